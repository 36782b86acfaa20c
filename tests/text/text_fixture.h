// Shared by the tokenizer tests: the fixed caption list, CLIP's vocabulary file as open_clip ships
// it, JSON files in and out of the Python references, and the word/token tiling checks.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

#include "vgs/text/tokenizer.h"

namespace vgs::test {

// tests/text/captions.json: ~45 captions with punctuation, contractions, digits, HTML entities,
// curly quotes, accents, Greek, CJK, Hangul, emoji, mixed case, odd whitespace, one over 77 tokens.
std::vector<std::string> fixed_captions();
// open_clip's bpe_simple_vocab_16e6.txt.gz in the test environment.
const std::string& clip_vocab_path();
// Runs tests/python/ref_tokenizers.py COMMAND ARGS... and returns the JSON it wrote to `out`.
nlohmann::json run_reference(const std::string& arguments, const std::string& out);
void write_json(const std::string& path, const nlohmann::json& value);

// The whitespace-separated words of `text` as byte ranges.
std::vector<std::pair<int64_t, int64_t>> ascii_words(const std::string& text);
// "" when the tokens of each word tile exactly its bytes (and every token lies in a word), else
// what does not.
std::string tiling_problem(const std::string& text, const std::vector<text::Token>& tokens);

}  // namespace vgs::test
