// SentencePiece: a model trained by vgs (train_sentencepiece, vgs-tokenizer train) loads in
// Python's sentencepiece and gives the same ids; training is deterministic; spans tile words;
// bad input is one clear error.
#include <catch2/catch.hpp>

#include <filesystem>

#include "tests/support/temp_dir.h"
#include "tests/text/text_fixture.h"
#include "vgs/core/fs.h"
#include "vgs/core/strings.h"
#include "vgs/data/manifest.h"
#include "vgs/text/sentencepiece_tokenizer.h"

using namespace vgs;

namespace {

// A small caption corpus: template captions, then the fixed list (its blank captions left out).
std::vector<std::string> training_captions() {
  const char* colours[] = {"red", "black", "white", "brown", "small", "big", "young", "old"};
  const char* things[] = {"dog", "cat", "man", "woman", "horse", "bird", "child", "car", "ball", "boat"};
  const char* actions[] = {"runs on", "sits near", "jumps over", "stands by", "plays with", "looks at"};
  const char* places[] = {"the beach", "a red barn", "the grass", "a wooden table", "the river", "the street"};
  std::vector<std::string> captions;
  for (int i = 0; i < 120; ++i) {
    captions.push_back(std::string("A ") + colours[i % 8] + " " + things[(i * 7) % 10] + " " + actions[(i * 5) % 6] +
                       " " + places[(i * 11) % 6] + ".");
  }
  for (const std::string& c : test::fixed_captions()) {
    if (!core::trim(c).empty()) captions.push_back(c);
  }
  return captions;
}

std::string write_manifest(const test::TempDir& dir, const std::vector<std::string>& captions) {
  std::vector<data::CaptionItem> items;
  for (size_t i = 0; i < captions.size(); ++i) items.push_back({"c" + std::to_string(i), "img", captions[i], {}, 0});
  const std::string path = dir.file("captions.jsonl");
  data::write_caption_manifest(path, items);
  return path;
}

text::SentencePieceTrainOptions options(int vocab_size) {
  text::SentencePieceTrainOptions o;
  o.vocab_size = vocab_size;
  return o;
}

}  // namespace

TEST_CASE("sentencepiece: a model trained on a caption manifest gives Python sentencepiece's ids") {
  test::TempDir dir;
  const std::vector<std::string> captions = training_captions();
  const std::string model = dir.file("captions.model");
  text::train_sentencepiece_on_manifest(write_manifest(dir, captions), options(300), model);
  const text::SentencePieceTokenizer tokenizer(model);
  CHECK(tokenizer.vocab_size() == 300);
  CHECK(tokenizer.sot_id() == 1);
  CHECK(tokenizer.eot_id() == 2);
  CHECK(tokenizer.pad_id() == 3);

  const std::vector<std::string> texts = test::fixed_captions();
  test::write_json(dir.file("texts.json"), texts);
  const nlohmann::json reference =
      test::run_reference("sentencepiece " + model + " " + dir.file("texts.json"), dir.file("ref.json"));
  for (size_t i = 0; i < texts.size(); ++i) {
    INFO("caption " << i << ": " << texts[i]);
    const auto tokens = tokenizer.encode(texts[i]);
    CHECK(text::token_ids(tokens) == reference[i]["ids"].get<std::vector<int64_t>>());
    std::vector<std::string> pieces;
    for (const auto& t : tokens) pieces.push_back(tokenizer.piece(t.id));
    CHECK(pieces == reference[i]["pieces"].get<std::vector<std::string>>());
  }
}

TEST_CASE("sentencepiece: the same captions train byte-identical models") {
  test::TempDir dir;
  const std::vector<std::string> captions = training_captions();
  text::train_sentencepiece(captions, options(250), dir.file("a.model"));
  text::train_sentencepiece(captions, options(250), dir.file("b.model"));
  CHECK(core::read_file(dir.file("a.model")) == core::read_file(dir.file("b.model")));
}

TEST_CASE("sentencepiece: spans tile each word of a plain caption and decode to its text") {
  test::TempDir dir;
  text::train_sentencepiece(training_captions(), options(300), dir.file("m.model"));
  const text::SentencePieceTokenizer tokenizer(dir.file("m.model"));
  for (const std::string caption : {"A dog runs on the beach.", "The cat's toy isn't under the couch; it's on the table!",
                                    "two zebras graze beside a quiet lake", "Price: $3.50 (50% off!!!)"}) {
    INFO(caption);
    const auto tokens = tokenizer.encode(caption);
    CHECK(test::tiling_problem(caption, tokens).empty());
    CHECK(tokenizer.decode(text::token_ids(tokens)) == caption);
    for (const auto& t : tokens) {
      if (t.begin == t.end) continue;
      std::string piece = tokenizer.piece(t.id);
      if (core::starts_with(piece, "\xe2\x96\x81")) piece = piece.substr(3);  // "▁"
      if (piece != "<unk>") CHECK(piece == caption.substr(static_cast<size_t>(t.begin), static_cast<size_t>(t.end - t.begin)));
    }
  }
  const auto row = text::token_row(tokenizer, tokenizer.encode("a dog"), 8, 5);
  CHECK(text::token_ids(row).front() == 1);
  CHECK(row[row.size() - 1].id == 3);
}

TEST_CASE("sentencepiece: bad vocabulary sizes, manifests and model files are one clear error") {
  test::TempDir dir;
  const std::vector<std::string> captions = training_captions();
  const std::string model = dir.file("m.model");
  CHECK(test::error_of([&] { text::train_sentencepiece(captions, options(3), model); }) ==
        model + ": SentencePiece training failed: vocabulary size 3, expected at least 5");
  CHECK(test::error_of([&] { text::train_sentencepiece(captions, options(100000), model); }) ==
        model + ": SentencePiece training failed: Vocabulary size too high (100000). Please set it to a value <= 1896.");
  CHECK_THAT(test::error_of([&] { text::train_sentencepiece(captions, options(20), model); }),
             Catch::StartsWith(model + ": SentencePiece training failed: Vocabulary size is smaller than required_chars. 20 vs"));
  CHECK_FALSE(std::filesystem::exists(model));
  const std::string missing = dir.file("none.jsonl");
  CHECK_THAT(test::error_of([&] { text::train_sentencepiece_on_manifest(missing, options(300), model); }),
             Catch::StartsWith(missing + ":"));
  const std::string corrupt = dir.write("corrupt.model", "this is not a protobuf at all \xff\xff\xff");
  CHECK(test::error_of([&] { text::SentencePieceTokenizer t(corrupt); }) ==
        corrupt + ": not a SentencePiece model (its bytes do not parse as a ModelProto)");
  CHECK(test::error_of([&] { text::SentencePieceTokenizer t(dir.file("none.model")); }) ==
        dir.file("none.model") + ": cannot read: No such file or directory");
}
