// Text as code points that remember where they came from. Every cleaning step of a tokenizer
// (HTML entities, NFC, lower case, whitespace) maps code points to code points; each output code
// point keeps the byte range of the ORIGINAL caption it was made from, so a token can point back at
// the caption's characters however much the text was rewritten on the way.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vgs::text {

struct SpannedChar {
  char32_t code = 0;
  int64_t begin = 0;  // byte offsets [begin, end) into the original text
  int64_t end = 0;
};
using SpannedText = std::vector<SpannedChar>;

// The code points of UTF-8 `text`, each with its own bytes as span; vgs::Error "<what>: not valid
// UTF-8 at byte N" on a malformed sequence.
SpannedText decode_spanned(std::string_view text, const std::string& what);

std::u32string code_points(const SpannedText& text);
std::u32string code_points(std::string_view utf8, const std::string& what);
void append_utf8(std::string& out, char32_t code);
std::string to_utf8(const SpannedText& text);
std::string to_utf8(std::u32string_view text);

// The union of the spans of text[first, last).
std::pair<int64_t, int64_t> span_of(const SpannedText& text, size_t first, size_t last);
// Appends `replacement` to `out`, every code point spanning what text[first, last) spanned (a
// replacement of nothing appends nothing: the original characters are dropped).
void append_replacement(SpannedText& out, const SpannedText& text, size_t first, size_t last,
                        std::u32string_view replacement);

// Unicode properties, through utf8proc, as Python's `str` and the `regex` module see them.
bool is_letter(char32_t code);      // \p{L}
bool is_number(char32_t code);      // \p{N}
bool is_python_space(char32_t code);  // str.isspace(), the separators of str.split()

// NFC, applied piece by piece (a base character with its combining marks) so each composed code
// point spans the characters it was composed from.
SpannedText nfc(const SpannedText& text);
// str.lower(): utf8proc's simple lower case, plus Python's full mapping of U+0130 (two code
// points) and the Greek final sigma.
SpannedText python_lower(const SpannedText& text);

}  // namespace vgs::text
