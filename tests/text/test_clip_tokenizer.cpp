// CLIP's byte-level BPE against open_clip's SimpleTokenizer (ids, the context-77 rows) on the fixed
// caption list, the spans of its tokens, and its errors on bad vocabulary files.
#include <catch2/catch.hpp>

#include <zlib.h>

#include "tests/support/temp_dir.h"
#include "tests/text/text_fixture.h"
#include "vgs/core/error.h"
#include "vgs/core/fs.h"
#include "vgs/text/clip_tokenizer.h"

using namespace vgs;

namespace {

const text::ClipTokenizer& clip() {
  static const text::ClipTokenizer tokenizer(test::clip_vocab_path());
  return tokenizer;
}

// Runs of tokens whose spans touch or overlap: the pieces of one word, or words not separated by
// whitespace ("it's", "a,b"). Each run: [first token, last token].
std::vector<std::pair<size_t, size_t>> touching_runs(const std::vector<text::Token>& tokens) {
  std::vector<std::pair<size_t, size_t>> runs;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (!runs.empty() && tokens[i].begin <= tokens[runs.back().second].end) {
      runs.back().second = i;
    } else {
      runs.emplace_back(i, i);
    }
  }
  return runs;
}

std::string without_spaces(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), ' '), s.end());
  return s;
}

void write_gzip(const std::string& path, const std::string& content) {
  gzFile file = gzopen(path.c_str(), "wb");
  REQUIRE(file != nullptr);
  gzwrite(file, content.data(), static_cast<unsigned>(content.size()));
  gzclose(file);
}

}  // namespace

TEST_CASE("clip: ids and context-77 rows equal open_clip's SimpleTokenizer on the fixed captions") {
  test::TempDir dir;
  const std::vector<std::string> captions = test::fixed_captions();
  REQUIRE(captions.size() >= 40);
  test::write_json(dir.file("captions.json"), captions);
  const nlohmann::json reference = test::run_reference("clip " + dir.file("captions.json"), dir.file("ref.json"));
  CHECK(clip().vocab_size() == 49408);
  CHECK(clip().sot_id() == 49406);
  CHECK(clip().eot_id() == 49407);
  size_t truncated = 0;
  for (size_t i = 0; i < captions.size(); ++i) {
    INFO("caption " << i << ": " << captions[i]);
    const std::vector<text::Token> tokens = clip().encode(captions[i]);
    CHECK(text::token_ids(tokens) == reference[i]["ids"].get<std::vector<int64_t>>());
    const auto row = text::token_row(clip(), tokens, 77, static_cast<int64_t>(captions[i].size()));
    CHECK(text::token_ids(row) == reference[i]["row"].get<std::vector<int64_t>>());
    truncated += tokens.size() + 2 > 77;
  }
  CHECK(truncated == 1);  // the long caption: its row ends in [EOT]
}

TEST_CASE("clip: the tokens of each span clean back to their own text (spans round-trip)") {
  test::TempDir dir;
  const std::vector<std::string> captions = test::fixed_captions();
  nlohmann::json pieces = nlohmann::json::array();  // per run: the text its tokens decode to
  nlohmann::json originals = nlohmann::json::array();  // per run: the caption's bytes of its span
  for (const std::string& caption : captions) {
    const std::vector<text::Token> tokens = clip().encode(caption);
    for (const auto& [first, last] : touching_runs(tokens)) {
      std::vector<int64_t> ids;
      int64_t begin = tokens[first].begin, end = tokens[first].end;
      for (size_t t = first; t <= last; ++t) {
        ids.push_back(tokens[t].id);
        begin = std::min(begin, tokens[t].begin);
        end = std::max(end, tokens[t].end);
      }
      pieces.push_back(without_spaces(clip().decode(ids)));
      originals.push_back(caption.substr(static_cast<size_t>(begin), static_cast<size_t>(end - begin)));
    }
  }
  REQUIRE(pieces.size() > 300);
  test::write_json(dir.file("originals.json"), originals);
  const nlohmann::json cleaned = test::run_reference("clean " + dir.file("originals.json"), dir.file("clean.json"));
  for (size_t i = 0; i < pieces.size(); ++i) {
    INFO("span text " << originals[i].get<std::string>());
    CHECK(pieces[i].get<std::string>() == cleaned[i]["clean"].get<std::string>());
  }
}

TEST_CASE("clip: the tokens of each word of a plain caption tile exactly the word's bytes") {
  for (const std::string caption :
       {"A dog runs on the beach.", "The cat's toy isn't under the couch; it's on the table!",
        "A 1990s car with 4 doors and license plate ABC-1234.", "unbelievably photogenic hippopotamuses",
        "Hello,world;no spaces:between(tokens)"}) {
    INFO(caption);
    CHECK(test::tiling_problem(caption, clip().encode(caption)).empty());
  }
  // A word of several BPE pieces: "hippopotamuses" -> spans that tile it.
  const auto tokens = clip().encode("hippopotamuses");
  REQUIRE(tokens.size() > 1);
  CHECK(tokens.front().begin == 0);
  CHECK(tokens.back().end == 14);
}

TEST_CASE("clip: spans point at the original characters through entities, NFC and lower case") {
  // "caf&eacute;" -> "café": the é token spans the whole reference.
  const std::string entity = "Caf&eacute; ok";
  const auto a = clip().encode(entity);
  REQUIRE(a.size() == 2);
  CHECK(a[0].begin == 0);
  CHECK(a[0].end == 11);
  CHECK(a[1].begin == 12);
  // A decomposed "e" + U+0301 composes to one character spanning both (3 bytes).
  const auto b = clip().encode("Cafe\xcc\x81");
  REQUIRE(!b.empty());
  CHECK(b.back().end == 6);
  // Bytes of one character split over two pieces share its span (an emoji: 4 bytes, 2 pieces).
  const auto c = clip().encode("\xf0\x9f\x90\xb6");
  REQUIRE(c.size() >= 1);
  for (const auto& token : c) {
    CHECK(token.begin == 0);
    CHECK(token.end == 4);
  }
  // In code points (PhraseSpan's unit): "Caf&eacute;" is characters [0, 11), "ok" [12, 14);
  // "Café ok" typed directly: "café" is 4 characters of 5 bytes.
  CHECK(text::code_point_spans(entity, a) == std::vector<std::pair<int64_t, int64_t>>{{0, 11}, {12, 14}});
  const std::string direct = "Caf\xc3\xa9 ok";
  CHECK(text::code_point_spans(direct, clip().encode(direct)) == std::vector<std::pair<int64_t, int64_t>>{{0, 4}, {5, 7}});
  // The special tokens of a row have empty spans.
  const auto row = text::token_row(clip(), a, 77, static_cast<int64_t>(entity.size()));
  CHECK(row[0].begin == row[0].end);
  CHECK(row[3].id == clip().eot_id());
  CHECK(row[3].begin == row[3].end);
  CHECK(row[76].id == 0);
}

TEST_CASE("clip: a missing, non-gzip, truncated or corrupt vocabulary file is one clear error") {
  test::TempDir dir;
  const std::string missing = dir.file("none.txt.gz");
  CHECK(test::error_of([&] { text::ClipTokenizer t(missing); }) == missing + ": no such file (CLIP's BPE vocabulary)");
  const std::string plain = dir.write("plain.txt.gz", "#version: 0.2\ni n\n");
  CHECK(test::error_of([&] { text::ClipTokenizer t(plain); }) ==
        plain + ": not gzip-compressed (expected CLIP's bpe_simple_vocab_16e6.txt.gz)");
  const std::string whole = core::read_file(test::clip_vocab_path());
  const std::string truncated = dir.write("truncated.txt.gz", whole.substr(0, whole.size() / 2));
  CHECK(test::error_of([&] { text::ClipTokenizer t(truncated); }) ==
        truncated + ": not a readable gzip file (unexpected end of file)");
  const std::string short_file = dir.file("short.txt.gz");
  write_gzip(short_file, "#version: 0.2\ni n\nt h\n");
  CHECK(test::error_of([&] { text::ClipTokenizer t(short_file); }) ==
        short_file + ": 2 merge lines, CLIP's BPE vocabulary has 48894");
  const std::string bad_line = dir.file("bad.txt.gz");
  write_gzip(bad_line, "#version: 0.2\ni n\nt h e\n" + std::string(48894, '\n'));
  CHECK(test::error_of([&] { text::ClipTokenizer t(bad_line); }) ==
        bad_line + ": line 3: expected a merge of two symbols, found 't h e'");
  const std::string unknown = dir.file("unknown.txt.gz");
  write_gzip(unknown, "#version: 0.2\ni n\nth e\n" + std::string(48894, '\n'));
  CHECK(test::error_of([&] { text::ClipTokenizer t(unknown); }) ==
        unknown + ": line 3: symbol 'th' is not made by an earlier merge");
}
