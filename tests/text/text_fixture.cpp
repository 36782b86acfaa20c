// Helpers of the tokenizer tests (text_fixture.h).
#include "tests/text/text_fixture.h"

#include <catch2/catch.hpp>

#include <fstream>

#include "tests/support/temp_dir.h"
#include "vgs/core/fs.h"

namespace vgs::test {

std::vector<std::string> fixed_captions() {
  return nlohmann::json::parse(core::read_file(std::string(VGS_SOURCE_DIR) + "/tests/text/captions.json"))
      .get<std::vector<std::string>>();
}

const std::string& clip_vocab_path() {
  static const std::string path = [] {
    const CommandResult run = run_python("ref_tokenizers.py", "clip-vocab");
    REQUIRE(run.exit_code == 0);
    std::string line = run.output.substr(0, run.output.find('\n'));
    return line;
  }();
  return path;
}

nlohmann::json run_reference(const std::string& arguments, const std::string& out) {
  const CommandResult run = run_python("ref_tokenizers.py", arguments + " " + out);
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  return nlohmann::json::parse(core::read_file(out));
}

void write_json(const std::string& path, const nlohmann::json& value) { core::write_file_atomic(path, value.dump()); }

std::vector<std::pair<int64_t, int64_t>> ascii_words(const std::string& text) {
  std::vector<std::pair<int64_t, int64_t>> words;
  const auto size = static_cast<int64_t>(text.size());
  for (int64_t i = 0; i < size;) {
    if (text[static_cast<size_t>(i)] == ' ') {
      ++i;
      continue;
    }
    int64_t j = i;
    while (j < size && text[static_cast<size_t>(j)] != ' ') ++j;
    words.emplace_back(i, j);
    i = j;
  }
  return words;
}

std::string tiling_problem(const std::string& text, const std::vector<text::Token>& tokens) {
  size_t t = 0;
  for (const auto& [begin, end] : ascii_words(text)) {
    int64_t at = begin;
    while (t < tokens.size() && tokens[t].begin < end) {
      if (tokens[t].begin == tokens[t].end) {  // a lone SentencePiece "▁" before the word
        ++t;
        continue;
      }
      if (tokens[t].begin != at) return "token " + std::to_string(t) + " starts at " + std::to_string(tokens[t].begin) + ", not " + std::to_string(at);
      at = tokens[t++].end;
    }
    if (at != end) return "the word at " + std::to_string(begin) + " ends at " + std::to_string(end) + ", its tokens at " + std::to_string(at);
  }
  if (t != tokens.size()) return "token " + std::to_string(t) + " is outside every word";
  return "";
}

}  // namespace vgs::test
