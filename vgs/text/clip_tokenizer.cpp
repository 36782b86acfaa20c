// CLIP's byte-level BPE: the vocabulary file, the pre-token pattern, the merges (open_clip
// tokenizer.py, SimpleTokenizer), and the spans of the pieces.
#include "vgs/text/clip_tokenizer.h"

#include <zlib.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <memory>

#include "vgs/core/error.h"
#include "vgs/core/strings.h"
#include "vgs/text/clip_clean.h"

namespace vgs::text {
namespace {

constexpr size_t kMerges = 49152 - 256 - 2;  // lines [1, 48895) of the file
const char* const kSpecial[2] = {"<start_of_text>", "<end_of_text>"};
const char* const kEndOfWord = "</w>";

std::string read_gzip(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) throw Error(path + ": no such file (CLIP's BPE vocabulary)");
  const std::unique_ptr<gzFile_s, decltype(&gzclose)> file(gzopen(path.c_str(), "rb"), &gzclose);
  if (!file) throw Error(path + ": cannot open (" + std::strerror(errno) + ")");
  std::string text;
  char buffer[1 << 16];
  int n = 0;
  while ((n = gzread(file.get(), buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<size_t>(n));
  int code = Z_OK;
  std::string message = gzerror(file.get(), &code);
  if (core::starts_with(message, path + ": ")) message = message.substr(path.size() + 2);  // zlib names the file too
  // A stream cut short reads as its data followed by Z_BUF_ERROR, not as an error of gzread.
  if (n < 0 || code == Z_BUF_ERROR) throw Error(path + ": not a readable gzip file (" + message + ")");
  if (gzdirect(file.get())) throw Error(path + ": not gzip-compressed (expected CLIP's bpe_simple_vocab_16e6.txt.gz)");
  return text;
}

// bytes_to_unicode(): printable Latin-1 bytes stand for themselves, the others for 256 + n.
std::vector<std::pair<unsigned char, char32_t>> byte_characters() {
  std::vector<std::pair<unsigned char, char32_t>> pairs;
  bool listed[256] = {};
  for (int b = 0; b < 256; ++b) {
    if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)) {
      pairs.emplace_back(static_cast<unsigned char>(b), static_cast<char32_t>(b));
      listed[b] = true;
    }
  }
  char32_t next = 256;
  for (int b = 0; b < 256; ++b) {
    if (!listed[b]) pairs.emplace_back(static_cast<unsigned char>(b), next++);
  }
  return pairs;
}

// Python's str.split(): fields between runs of whitespace.
std::vector<std::string> split_fields(const std::string& line) {
  std::vector<std::string> fields;
  std::string field;
  for (char c : line) {
    if (c == ' ' || (c >= '\t' && c <= '\r')) {
      if (!field.empty()) fields.push_back(std::move(field));
      field.clear();
    } else {
      field.push_back(c);
    }
  }
  if (!field.empty()) fields.push_back(std::move(field));
  return fields;
}

// re.IGNORECASE on the contractions' letters (after lower case only U+017F LONG S is left to fold).
char32_t case_fold(char32_t c) {
  if (c >= 'A' && c <= 'Z') return c | 0x20;
  return c == 0x017F ? U's' : c;
}

// U+0345 COMBINING GREEK YPOGEGRAMMENI folds to ι, a letter, so under re.IGNORECASE the negated
// class [^\s\p{L}\p{N}] refuses it while [\p{L}] does not take it: no alternative matches it and
// findall skips it like whitespace (the only such code point).
bool unmatched(char32_t c) { return c == 0x0345 || is_python_space(c); }

size_t utf8_length(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

ClipTokenizer::ClipTokenizer(const std::string& vocab_path) { read_vocabulary(vocab_path); }

void ClipTokenizer::read_vocabulary(const std::string& path) {
  const std::string text = read_gzip(path);
  decode_spanned(text, path);  // throws on bytes that are not UTF-8
  std::vector<std::string> lines = core::split(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();  // the final newline
  if (lines.size() < kMerges + 1) {
    throw Error(path + ": " + std::to_string(lines.empty() ? 0 : lines.size() - 1) +
                " merge lines, CLIP's BPE vocabulary has " + std::to_string(kMerges));
  }
  auto add = [this](const std::string& entry) {
    encoder_.insert_or_assign(entry, static_cast<int64_t>(vocab_.size()));
    vocab_.push_back(entry);
  };
  for (const auto& [byte, code] : byte_characters()) {
    std::string utf8;
    append_utf8(utf8, code);
    byte_chars_[byte] = utf8;
    char_bytes_[code] = byte;
    add(utf8);
  }
  for (size_t i = 0; i < 256; ++i) add(vocab_[i] + kEndOfWord);
  for (size_t k = 0; k < kMerges; ++k) {
    const std::vector<std::string> parts = split_fields(lines[k + 1]);
    const std::string where = path + ": line " + std::to_string(k + 2) + ": ";
    if (parts.size() != 2) throw Error(where + "expected a merge of two symbols, found '" + core::printable(lines[k + 1]) + "'");
    for (const std::string& part : parts) {
      if (!encoder_.count(part)) throw Error(where + "symbol '" + core::printable(part) + "' is not made by an earlier merge");
    }
    ranks_.emplace(parts[0] + " " + parts[1], static_cast<int>(k));
    add(parts[0] + parts[1]);
  }
  sot_id_ = static_cast<int64_t>(vocab_.size());
  add(kSpecial[0]);
  eot_id_ = static_cast<int64_t>(vocab_.size());
  add(kSpecial[1]);
}

std::vector<std::pair<size_t, size_t>> ClipTokenizer::split_words(const std::u32string& text) {
  static const std::u32string kSpecials[2] = {U"<start_of_text>", U"<end_of_text>"};
  static const std::u32string kContractions[7] = {U"'s", U"'t", U"'re", U"'ve", U"'m", U"'ll", U"'d"};
  std::vector<std::pair<size_t, size_t>> words;
  auto at = [&](size_t i, const std::u32string& s) { return text.compare(i, s.size(), s) == 0; };
  auto contraction_at = [&](size_t i) -> size_t {
    for (const std::u32string& c : kContractions) {
      if (i + c.size() > text.size()) continue;
      bool same = true;
      for (size_t k = 0; k < c.size() && same; ++k) same = case_fold(text[i + k]) == c[k];
      if (same) return c.size();
    }
    return 0;
  };
  for (size_t i = 0; i < text.size();) {
    size_t length = 0;
    for (const std::u32string& s : kSpecials) length = length ? length : (at(i, s) ? s.size() : 0);
    if (!length) length = contraction_at(i);
    if (!length && is_letter(text[i])) {
      while (i + length < text.size() && is_letter(text[i + length])) ++length;
    } else if (!length && is_number(text[i])) {
      length = 1;
    } else if (!length && !unmatched(text[i])) {
      while (i + length < text.size() && !unmatched(text[i + length]) && !is_letter(text[i + length]) &&
             !is_number(text[i + length])) {
        ++length;
      }
    }
    if (length) words.emplace_back(i, i + length);
    i += length ? length : 1;
  }
  return words;
}

const std::vector<std::string>& ClipTokenizer::bpe(const std::string& word) const {
  std::lock_guard<std::mutex> lock(cache_mutex_);
  const auto cached = cache_.find(word);
  if (cached != cache_.end()) return cached->second;
  std::vector<std::string> symbols;  // one byte character each, "</w>" on the last
  for (size_t i = 0; i < word.size();) {
    size_t length = 1;
    while (i + length < word.size() && (static_cast<unsigned char>(word[i + length]) & 0xC0) == 0x80) ++length;
    symbols.push_back(word.substr(i, length));
    i += length;
  }
  symbols.back() += kEndOfWord;
  while (symbols.size() > 1) {
    int best = INT_MAX;
    size_t best_at = 0;
    for (size_t i = 0; i + 1 < symbols.size(); ++i) {
      const auto rank = ranks_.find(symbols[i] + " " + symbols[i + 1]);
      if (rank != ranks_.end() && rank->second < best) best = rank->second, best_at = i;
    }
    if (best == INT_MAX) break;
    const std::string first = symbols[best_at], second = symbols[best_at + 1];
    std::vector<std::string> merged;  // every occurrence of the pair, left to right
    for (size_t i = 0; i < symbols.size(); ++i) {
      if (i + 1 < symbols.size() && symbols[i] == first && symbols[i + 1] == second) {
        merged.push_back(first + second);
        ++i;
      } else {
        merged.push_back(symbols[i]);
      }
    }
    symbols = std::move(merged);
  }
  return cache_.emplace(word, std::move(symbols)).first->second;
}

void ClipTokenizer::encode_word(const SpannedText& cleaned, size_t first, size_t last,
                                std::vector<Token>& out) const {
  std::string word;                 // the pre-token in byte characters
  std::vector<size_t> byte_source;  // its bytes -> code point index in `cleaned`
  std::string utf8;
  for (size_t i = first; i < last; ++i) {
    utf8.clear();
    append_utf8(utf8, cleaned[i].code);
    for (char b : utf8) {
      word += byte_chars_[static_cast<unsigned char>(b)];
      byte_source.push_back(i);
    }
  }
  const std::string plain = to_utf8(SpannedText(cleaned.begin() + first, cleaned.begin() + last));
  for (const char* special : kSpecial) {
    if (plain == special) {
      const auto [begin, end] = span_of(cleaned, first, last);
      out.push_back({encoder_.at(special), begin, end});
      return;
    }
  }
  size_t byte = 0;
  for (const std::string& piece : bpe(word)) {
    const size_t bytes = utf8_length(piece) - (ends_with(piece, kEndOfWord) ? 4 : 0);
    const auto [begin, end] = span_of(cleaned, byte_source[byte], byte_source[byte + bytes - 1] + 1);
    out.push_back({encoder_.at(piece), begin, end});
    byte += bytes;
  }
}

std::vector<Token> ClipTokenizer::encode(const std::string& text) const {
  const SpannedText cleaned = clip_clean(decode_spanned(text, "caption '" + core::printable(text) + "'"));
  std::vector<Token> tokens;
  for (const auto& [first, last] : split_words(code_points(cleaned))) encode_word(cleaned, first, last, tokens);
  return tokens;
}

std::string ClipTokenizer::piece(int64_t id) const {
  if (id < 0 || id >= vocab_size()) throw Error("CLIP token id " + std::to_string(id) + ": out of range");
  return vocab_[static_cast<size_t>(id)];
}

std::string ClipTokenizer::decode(const std::vector<int64_t>& ids) const {
  std::string joined;
  for (int64_t id : ids) joined += piece(id);
  std::string bytes;
  for (char32_t c : code_points(joined, "CLIP piece")) bytes.push_back(static_cast<char>(char_bytes_.at(c)));
  std::string out;  // "</w>" -> " "
  for (size_t at = 0; at < bytes.size();) {
    if (bytes.compare(at, 4, kEndOfWord) == 0) {
      out += ' ';
      at += 4;
    } else {
      out += bytes[at++];
    }
  }
  return out;
}

}  // namespace vgs::text
