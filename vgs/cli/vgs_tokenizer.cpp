// vgs-tokenizer: trains a SentencePiece model on a caption manifest
// (`vgs-tokenizer train --manifest CAPTIONS.jsonl --vocab-size N --out MODEL.model`) and shows how a
// tokenizer reads texts (`vgs-tokenizer encode --tokenizer clip:VOCAB.txt.gz TEXT...`: one JSON
// line per text with ids, pieces and byte spans, docs/text.md).
#include <iostream>

#include "vgs/cli/common.h"
#include "vgs/text/sentencepiece_tokenizer.h"
#include "vgs/text/tokenizer.h"

int main(int argc, char** argv) {
  CLI::App app{"Train and apply the text tokenizers of vgs (docs/text.md)", "vgs-tokenizer"};
  std::string log_level = "warn";
  vgs::cli::add_log_level_argument(app, log_level);
  app.require_subcommand(1);
  app.fallthrough();

  std::string manifest, out;
  vgs::text::SentencePieceTrainOptions options;
  CLI::App* train = app.add_subcommand("train", "Train a SentencePiece model on the captions of a caption manifest");
  train->add_option("--manifest", manifest, "caption manifest (JSON Lines, docs/formats.md)")->required();
  train->add_option("--vocab-size", options.vocab_size, "vocabulary size, the special pieces included")->required();
  train->add_option("--out", out, "model file to write (.model)")->required();
  train->add_option("--kind", options.model_type, "bpe or unigram")->capture_default_str();
  train->add_option("--seed", options.seed, "SentencePiece's random seed")->capture_default_str();

  std::string spec;
  std::vector<std::string> texts;
  int64_t context_length = 0;
  CLI::App* encode = app.add_subcommand("encode", "Print each text's tokens as one JSON line");
  encode->add_option("--tokenizer", spec, "clip:VOCAB.txt.gz or sentencepiece:MODEL.model")->required();
  encode->add_option("--context-length", context_length, "also print the fixed-length row ([SOT] ids [EOT] padding)");
  encode->add_option("TEXT", texts, "texts to encode")->required();

  return vgs::cli::run_program(app, argc, argv, log_level, [&] {
    if (train->parsed()) {
      vgs::text::train_sentencepiece_on_manifest(manifest, options, out);
      std::cout << "SentencePiece " << options.model_type << " model of " << options.vocab_size << " pieces in " << out
                << "\n";
      return 0;
    }
    const auto tokenizer = vgs::text::make_tokenizer(spec);
    for (const std::string& text : texts) std::cout << vgs::text::tokens_json(*tokenizer, text, context_length) << "\n";
    return 0;
  });
}
