// Spanned text: UTF-8 decoding with byte spans, utf8proc properties, NFC and lower case that keep
// every code point's origin.
#include "vgs/text/spanned_text.h"

#include <utf8proc.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "vgs/core/error.h"

namespace vgs::text {

SpannedText decode_spanned(std::string_view text, const std::string& what) {
  SpannedText out;
  out.reserve(text.size());
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  const auto size = static_cast<utf8proc_ssize_t>(text.size());
  for (utf8proc_ssize_t at = 0; at < size;) {
    utf8proc_int32_t code = 0;
    const utf8proc_ssize_t length = utf8proc_iterate(bytes + at, size - at, &code);
    if (length <= 0 || code < 0) {
      throw Error(what + ": not valid UTF-8 at byte " + std::to_string(at));
    }
    out.push_back({static_cast<char32_t>(code), at, at + length});
    at += length;
  }
  return out;
}

std::u32string code_points(const SpannedText& text) {
  std::u32string out;
  out.reserve(text.size());
  for (const SpannedChar& c : text) out.push_back(c.code);
  return out;
}

std::u32string code_points(std::string_view utf8, const std::string& what) {
  return code_points(decode_spanned(utf8, what));
}

void append_utf8(std::string& out, char32_t code) {
  utf8proc_uint8_t buffer[4];
  const utf8proc_ssize_t length = utf8proc_encode_char(static_cast<utf8proc_int32_t>(code), buffer);
  out.append(reinterpret_cast<const char*>(buffer), static_cast<size_t>(length));
}

std::string to_utf8(const SpannedText& text) {
  std::string out;
  for (const SpannedChar& c : text) append_utf8(out, c.code);
  return out;
}

std::string to_utf8(std::u32string_view text) {
  std::string out;
  for (char32_t c : text) append_utf8(out, c);
  return out;
}

std::pair<int64_t, int64_t> span_of(const SpannedText& text, size_t first, size_t last) {
  int64_t begin = text[first].begin, end = text[first].end;
  for (size_t i = first + 1; i < last; ++i) {
    begin = std::min(begin, text[i].begin);
    end = std::max(end, text[i].end);
  }
  return {begin, end};
}

void append_replacement(SpannedText& out, const SpannedText& text, size_t first, size_t last,
                        std::u32string_view replacement) {
  const auto [begin, end] = span_of(text, first, last);
  for (char32_t c : replacement) out.push_back({c, begin, end});
}

namespace {

utf8proc_category_t category(char32_t code) {
  return utf8proc_category(static_cast<utf8proc_int32_t>(code));
}

// Unicode's Cased: the cased letters, and what has a case mapping (Roman numerals, circled
// letters: Other_Uppercase/Other_Lowercase; modifier letters such as U+02B0 are not covered).
bool is_cased(char32_t code) {
  const utf8proc_category_t c = category(code);
  const auto u = static_cast<utf8proc_int32_t>(code);
  return c == UTF8PROC_CATEGORY_LU || c == UTF8PROC_CATEGORY_LL || c == UTF8PROC_CATEGORY_LT ||
         utf8proc_tolower(u) != u || utf8proc_toupper(u) != u;
}

// Unicode's Case_Ignorable: marks, format characters, modifiers, and the Word_Break
// MidLetter/MidNumLet/Single_Quote characters.
bool is_case_ignorable(char32_t code) {
  switch (category(code)) {
    case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_ME: case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_SK:
      return true;
    default:
      break;
  }
  static const std::u32string kWordBreakMid =
      U"'.:\u00B7\u0387\u055F\u05F4\u2018\u2019\u2024\u2027\uFE13\uFE52\uFE55\uFF07\uFF0E\uFF1A";
  return kWordBreakMid.find(code) != std::u32string::npos;
}

// Python's rule for capital sigma (unicodeobject.c, handle_capital_sigma): final when a cased
// letter precedes and none follows, case-ignorable characters skipped on both sides.
bool final_sigma(const SpannedText& text, size_t at) {
  size_t j = at;
  while (j > 0 && is_case_ignorable(text[j - 1].code)) --j;
  if (j == 0 || !is_cased(text[j - 1].code)) return false;
  size_t k = at + 1;
  while (k < text.size() && is_case_ignorable(text[k].code)) ++k;
  return k == text.size() || !is_cased(text[k].code);
}

// The NFC of a run of code points.
std::u32string nfc_of(std::u32string_view codes) {
  if (codes.empty()) return {};
  const std::string utf8 = to_utf8(codes);
  utf8proc_uint8_t* result = nullptr;
  const utf8proc_ssize_t length =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(utf8.data()), static_cast<utf8proc_ssize_t>(utf8.size()),
                   &result, static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  if (length < 0) throw Error(std::string("NFC normalisation failed: ") + utf8proc_errmsg(length));
  const std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owned(result, &std::free);
  return code_points(std::string_view(reinterpret_cast<const char*>(result), static_cast<size_t>(length)), "NFC");
}

bool is_ascii(std::u32string_view codes) {
  return std::all_of(codes.begin(), codes.end(), [](char32_t c) { return c < 0x80; });
}

// Pieces that NFC treats independently: each starts at a code point of combining class 0 that is
// not a Hangul vowel or trailing consonant (which compose with what precedes them).
std::vector<std::pair<size_t, size_t>> nfc_pieces(const SpannedText& text) {
  std::vector<std::pair<size_t, size_t>> pieces;
  for (size_t i = 0; i < text.size(); ++i) {
    const char32_t c = text[i].code;
    const bool jamo_vt = (c >= 0x1161 && c <= 0x1175) || (c >= 0x11A8 && c <= 0x11C2);
    const bool starter =
        utf8proc_get_property(static_cast<utf8proc_int32_t>(c))->combining_class == 0 && !jamo_vt;
    if (pieces.empty() || starter) {
      pieces.emplace_back(i, i + 1);
    } else {
      pieces.back().second = i + 1;
    }
  }
  return pieces;
}

}  // namespace

bool is_letter(char32_t code) {
  const utf8proc_category_t c = category(code);
  return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO;
}

bool is_number(char32_t code) {
  const utf8proc_category_t c = category(code);
  return c >= UTF8PROC_CATEGORY_ND && c <= UTF8PROC_CATEGORY_NO;
}

bool is_python_space(char32_t code) {
  if (code == ' ' || (code >= 0x09 && code <= 0x0D) || (code >= 0x1C && code <= 0x1F)) return true;
  if (code < 0x85) return false;
  return code == 0x85 || code == 0xA0 || code == 0x1680 || (code >= 0x2000 && code <= 0x200A) ||
         code == 0x2028 || code == 0x2029 || code == 0x202F || code == 0x205F || code == 0x3000;
}

SpannedText nfc(const SpannedText& text) {
  const std::u32string codes = code_points(text);
  if (is_ascii(codes)) return text;
  SpannedText out;
  // Neighbouring pieces are merged while their NFC is not the NFC of each (rare compositions of
  // two starters), so the result equals the NFC of the whole text.
  const auto pieces = nfc_pieces(text);
  size_t first = 0, last = 0;  // the piece being built
  auto flush = [&] {
    if (last > first) {
      append_replacement(out, text, first, last, nfc_of(std::u32string_view(codes).substr(first, last - first)));
    }
  };
  for (const auto& [begin, end] : pieces) {
    const std::u32string_view current = std::u32string_view(codes).substr(first, last - first);
    const std::u32string_view next = std::u32string_view(codes).substr(begin, end - begin);
    const bool independent = last == first || (is_ascii(current) && is_ascii(next)) ||
                             nfc_of(codes.substr(first, end - first)) == nfc_of(current) + nfc_of(next);
    if (independent) {
      flush();
      first = begin;
    }
    last = end;
  }
  flush();
  return out;
}

SpannedText python_lower(const SpannedText& text) {
  SpannedText out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char32_t c = text[i].code;
    if (c == 0x0130) {  // İ: "i" + COMBINING DOT ABOVE (SpecialCasing.txt)
      append_replacement(out, text, i, i + 1, U"i\u0307");
    } else if (c == 0x03A3) {
      append_replacement(out, text, i, i + 1, final_sigma(text, i) ? U"\u03C2" : U"\u03C3");
    } else {
      out.push_back({static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(c))),
                     text[i].begin, text[i].end});
    }
  }
  return out;
}

}  // namespace vgs::text
