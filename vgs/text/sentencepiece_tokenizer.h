// SentencePiece (Debian's libsentencepiece 0.1.97): training a BPE (or unigram) model on captions,
// and a Tokenizer over a .model file whose tokens carry their byte spans in the caption.
// Models trained here number their specials unk 0, [SOT] = bos 1, [EOT] = eos 2, pad 3.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "vgs/text/tokenizer.h"

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace vgs::text {

struct SentencePieceTrainOptions {
  std::string model_type = "bpe";  // bpe or unigram
  int vocab_size = 8000;
  double character_coverage = 1.0;  // every character of the captions gets a piece
  uint32_t seed = 0;                // SentencePiece's random generator (input sampling)
  int threads = 1;                  // one thread: the same captions give the same model
};

// Trains on `texts` and writes the model file to `out_path` atomically; vgs::Error naming the
// output (with SentencePiece's reason) when training fails, e.g. a vocabulary size it cannot meet.
void train_sentencepiece(const std::vector<std::string>& texts, const SentencePieceTrainOptions& options,
                         const std::string& out_path);

// Trains on the captions of a caption manifest (data/manifest.h).
void train_sentencepiece_on_manifest(const std::string& manifest, const SentencePieceTrainOptions& options,
                                     const std::string& out_path);

class SentencePieceTokenizer final : public Tokenizer {
 public:
  // vgs::Error naming `model_path` when it is missing or not a SentencePiece model.
  explicit SentencePieceTokenizer(const std::string& model_path);
  ~SentencePieceTokenizer() override;

  std::vector<Token> encode(const std::string& text) const override;
  int64_t vocab_size() const override;
  int64_t sot_id() const override;
  int64_t eot_id() const override;
  int64_t pad_id() const override;  // the model's pad, else its unk
  std::string piece(int64_t id) const override;
  std::string decode(const std::vector<int64_t>& ids) const override;
  std::string kind() const override { return "sentencepiece"; }

 private:
  std::string path_;
  std::unique_ptr<sentencepiece::SentencePieceProcessor> processor_;
};

}  // namespace vgs::text
