// vgs-tokenizer end to end: train on a caption manifest, encode with both tokenizers (ids equal
// the Python references), and one clear line with exit code 2 on bad input.
#include <catch2/catch.hpp>

#include <sstream>

#include "tests/support/temp_dir.h"
#include "tests/text/text_fixture.h"
#include "vgs/core/strings.h"
#include "vgs/data/manifest.h"

using namespace vgs;

namespace {

std::string tokenizer_command(const std::string& arguments) { return test::program("vgs-tokenizer") + " " + arguments + " 2>&1"; }

std::vector<nlohmann::json> json_lines(const std::string& output) {
  std::vector<nlohmann::json> lines;
  for (const std::string& line : core::split(output, '\n')) {
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
  }
  return lines;
}

const std::vector<std::string> kTexts = {"A dog runs on the beach.", "Two men playing frisbee in a park",
                                         "a cat sits on a red car"};

std::string quoted_texts() {
  std::string out;
  for (const std::string& t : kTexts) out += " '" + t + "'";
  return out;
}

}  // namespace

TEST_CASE("vgs-tokenizer: train on a manifest, encode with SentencePiece and CLIP as the references do") {
  test::TempDir dir;
  std::vector<data::CaptionItem> items;
  const char* things[] = {"dog", "cat", "man", "woman", "horse", "bird", "child", "car"};
  const char* places[] = {"on the beach", "in a park", "near a red car", "by the river", "on the grass"};
  for (int i = 0; i < 60; ++i) {
    items.push_back({"c" + std::to_string(i), "i", std::string("A ") + things[i % 8] + " plays " + places[(i * 3) % 5] + ".", {}, 0});
  }
  data::write_caption_manifest(dir.file("captions.jsonl"), items);
  const std::string model = dir.file("tok.model");
  auto train = test::run_command(tokenizer_command("train --manifest " + dir.file("captions.jsonl") +
                                                   " --vocab-size 120 --out " + model));
  INFO(train.output);
  REQUIRE(train.exit_code == 0);
  CHECK(train.output == "SentencePiece bpe model of 120 pieces in " + model + "\n");

  test::write_json(dir.file("texts.json"), kTexts);
  auto sp = test::run_command(tokenizer_command("encode --tokenizer sentencepiece:" + model + quoted_texts()));
  REQUIRE(sp.exit_code == 0);
  const auto sp_lines = json_lines(sp.output);
  const nlohmann::json sp_ref =
      test::run_reference("sentencepiece " + model + " " + dir.file("texts.json"), dir.file("sp.json"));
  REQUIRE(sp_lines.size() == kTexts.size());
  for (size_t i = 0; i < kTexts.size(); ++i) {
    CHECK(sp_lines[i]["text"] == kTexts[i]);
    CHECK(sp_lines[i]["ids"] == sp_ref[i]["ids"]);
    // pieces are vocabulary entries: an unknown character is "<unk>" (Python's out_type=str shows
    // the character itself)
    nlohmann::json pieces = sp_ref[i]["pieces"];
    for (size_t j = 0; j < pieces.size(); ++j) {
      if (sp_ref[i]["ids"][j] == 0) pieces[j] = "<unk>";
    }
    CHECK(sp_lines[i]["pieces"] == pieces);
    CHECK(sp_lines[i]["spans"].size() == sp_ref[i]["ids"].size());
  }

  auto clip = test::run_command(
      tokenizer_command("encode --context-length 77 --tokenizer clip:" + test::clip_vocab_path() + quoted_texts()));
  REQUIRE(clip.exit_code == 0);
  const auto clip_lines = json_lines(clip.output);
  const nlohmann::json clip_ref = test::run_reference("clip " + dir.file("texts.json"), dir.file("clip.json"));
  REQUIRE(clip_lines.size() == kTexts.size());
  for (size_t i = 0; i < kTexts.size(); ++i) {
    CHECK(clip_lines[i]["ids"] == clip_ref[i]["ids"]);
    CHECK(clip_lines[i]["row"] == clip_ref[i]["row"]);
  }
  CHECK(clip_lines[0]["pieces"][1] == "dog</w>");
  CHECK(clip_lines[0]["spans"][1] == nlohmann::json::array({2, 5}));
}

TEST_CASE("vgs-tokenizer: a missing file, a bad vocabulary size or a corrupt vocabulary is one clear line") {
  test::TempDir dir;
  const std::string manifest = dir.write("c.jsonl", "{\"id\": \"a\", \"image\": \"i\", \"text\": \"a dog\"}\n");
  auto small = test::run_command(
      tokenizer_command("train --manifest " + manifest + " --vocab-size 2 --out " + dir.file("m.model")));
  CHECK(small.exit_code == 2);
  CHECK(small.output == "vgs-tokenizer: error: " + dir.file("m.model") +
                            ": SentencePiece training failed: vocabulary size 2, expected at least 5\n");
  auto missing = test::run_command(tokenizer_command("encode --tokenizer sentencepiece:" + dir.file("none.model") + " x"));
  CHECK(missing.exit_code == 2);
  CHECK(missing.output == "vgs-tokenizer: error: " + dir.file("none.model") + ": cannot read: No such file or directory\n");
  const std::string corrupt = dir.write("vocab.txt.gz", "not gzip");
  auto bad = test::run_command(tokenizer_command("encode --tokenizer clip:" + corrupt + " x"));
  CHECK(bad.exit_code == 2);
  CHECK(bad.output == "vgs-tokenizer: error: " + corrupt +
                          ": not gzip-compressed (expected CLIP's bpe_simple_vocab_16e6.txt.gz)\n");
  auto kind = test::run_command(tokenizer_command("encode --tokenizer wordpiece:x.txt x"));
  CHECK(kind.exit_code == 2);
  CHECK(kind.output == "vgs-tokenizer: error: tokenizer kind 'wordpiece': expected clip or sentencepiece\n");
}
