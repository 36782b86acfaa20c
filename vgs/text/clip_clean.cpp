// CLIP's text cleaning with spans: the ftfy subset (fixes.py of ftfy 6.3.1, applied in the order of
// its fix_and_explain loop), html.unescape, whitespace and lower case.
#include "vgs/text/clip_clean.h"

#include <utf8proc.h>

#include <cstdlib>
#include <memory>
#include <unordered_map>

#include "vgs/text/html_entities.h"

namespace vgs::text {
namespace {

// Rewrites each code point for which `replace` gives a replacement (one code point in, any number
// out, spanning the original one).
template <typename Replace>
SpannedText translate(const SpannedText& text, Replace replace) {
  SpannedText out;
  out.reserve(text.size());
  std::u32string replacement;
  for (size_t i = 0; i < text.size(); ++i) {
    replacement.clear();
    if (replace(text[i].code, replacement)) {
      append_replacement(out, text, i, i + 1, replacement);
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

// chardata.LIGATURES
const std::unordered_map<char32_t, std::u32string>& latin_ligatures() {
  static const std::unordered_map<char32_t, std::u32string> map = {
      {U'\u0132', U"IJ"}, {U'\u0133', U"ij"}, {U'\u0149', U"\u02BCn"}, {U'\u01F1', U"DZ"},
      {U'\u01F2', U"Dz"}, {U'\u01F3', U"dz"}, {U'\u01C4', U"D\u017D"}, {U'\u01C5', U"D\u017E"},
      {U'\u01C6', U"d\u017E"}, {U'\u01C7', U"LJ"}, {U'\u01C8', U"Lj"}, {U'\u01C9', U"lj"},
      {U'\u01CA', U"NJ"}, {U'\u01CB', U"Nj"}, {U'\u01CC', U"nj"}, {U'\uFB00', U"ff"},
      {U'\uFB01', U"fi"}, {U'\uFB02', U"fl"}, {U'\uFB03', U"ffi"}, {U'\uFB04', U"ffl"},
      {U'\uFB05', U"\u017Ft"}, {U'\uFB06', U"st"}};
  return map;
}

// chardata.WIDTH_MAP: U+3000 -> space, and U+FF01..U+FFEF -> their NFKC where that differs.
const std::unordered_map<char32_t, std::u32string>& width_map() {
  static const std::unordered_map<char32_t, std::u32string> map = [] {
    std::unordered_map<char32_t, std::u32string> m = {{U'\u3000', U" "}};
    for (char32_t c = 0xFF01; c < 0xFFF0; ++c) {
      const std::string utf8 = to_utf8(std::u32string(1, c));
      utf8proc_uint8_t* nfkc = utf8proc_NFKC(reinterpret_cast<const utf8proc_uint8_t*>(utf8.c_str()));
      const std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owned(nfkc, &std::free);
      if (nfkc == nullptr) continue;
      const std::u32string alternate = code_points(reinterpret_cast<const char*>(nfkc), "NFKC");
      if (alternate != std::u32string(1, c)) m.emplace(c, alternate);
    }
    return m;
  }();
  return map;
}

bool from_table(const std::unordered_map<char32_t, std::u32string>& table, char32_t c, std::u32string& out) {
  const auto found = table.find(c);
  if (found == table.end()) return false;
  out = found->second;
  return true;
}

// fixes.uncurl_quotes: [\u02bc\u2018-\u201b] -> ', [\u201c-\u201f] -> "
bool uncurl_quote(char32_t c, std::u32string& out) {
  if (c == 0x02BC || (c >= 0x2018 && c <= 0x201B)) out.push_back(U'\'');
  if (c >= 0x201C && c <= 0x201F) out.push_back(U'"');
  return !out.empty();
}

// chardata.CONTROL_CHARS
bool control_char(char32_t c, std::u32string&) {
  return c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F || (c >= 0x206A && c <= 0x206F) ||
         c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFC);
}

// fixes.fix_line_breaks: \r\n, \r, U+2028, U+2029, U+0085 -> \n
SpannedText fix_line_breaks(const SpannedText& text) {
  SpannedText out;
  for (size_t i = 0; i < text.size(); ++i) {
    const char32_t c = text[i].code;
    if (c == '\r' && i + 1 < text.size() && text[i + 1].code == '\n') {
      append_replacement(out, text, i, i + 2, U"\n");
      ++i;
    } else if (c == '\r' || c == 0x2028 || c == 0x2029 || c == 0x85) {
      append_replacement(out, text, i, i + 1, U"\n");
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

bool is_decimal(char32_t c) { return utf8proc_category(static_cast<utf8proc_int32_t>(c)) == UTF8PROC_CATEGORY_ND; }
bool is_ascii_letter(char32_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// fixes.remove_terminal_escapes: \033\[((?:\d|;)*)([a-zA-Z]) removed.
SpannedText remove_terminal_escapes(const SpannedText& text) {
  SpannedText out;
  for (size_t i = 0; i < text.size();) {
    if (text[i].code == 0x1B && i + 1 < text.size() && text[i + 1].code == '[') {
      size_t j = i + 2;
      while (j < text.size() && (is_decimal(text[j].code) || text[j].code == ';')) ++j;
      if (j < text.size() && is_ascii_letter(text[j].code)) {
        i = j + 1;
        continue;
      }
    }
    out.push_back(text[i++]);
  }
  return out;
}

// One pass of ftfy's fix_and_explain loop body (fix_encoding and fix_surrogates left out).
SpannedText fix_pass(const SpannedText& text, bool unescape_html) {
  SpannedText t = unescape_html ? ftfy_unescape_html(text) : text;
  t = translate(t, [](char32_t c, std::u32string& out) {
    if (c < 0x80 || c > 0x9F) return false;
    out = std::u32string(1, windows_1252_c1(c));
    return true;
  });
  t = translate(t, [](char32_t c, std::u32string& out) { return from_table(latin_ligatures(), c, out); });
  t = translate(t, [](char32_t c, std::u32string& out) { return from_table(width_map(), c, out); });
  t = translate(t, uncurl_quote);
  t = fix_line_breaks(t);
  t = remove_terminal_escapes(t);
  t = translate(t, control_char);
  return nfc(t);
}

// fix_and_explain: the fixes again and again until the text stops changing.
SpannedText fix_segment(SpannedText segment, bool unescape_html) {
  while (true) {
    SpannedText fixed = fix_pass(segment, unescape_html);
    if (code_points(fixed) == code_points(segment)) return fixed;
    segment = std::move(fixed);
  }
}

}  // namespace

SpannedText ftfy_fix_text(const SpannedText& text) {
  constexpr size_t kMaxDecodeLength = 1000000;  // TextFixerConfig.max_decode_length
  SpannedText out;
  bool unescape_html = true;  // "auto": off from the first segment that holds '<' on
  for (size_t pos = 0; pos < text.size();) {
    size_t end = pos;
    while (end < text.size() && text[end].code != '\n') ++end;
    end = std::min(end < text.size() ? end + 1 : end, pos + kMaxDecodeLength);
    const SpannedText segment(text.begin() + static_cast<std::ptrdiff_t>(pos), text.begin() + static_cast<std::ptrdiff_t>(end));
    for (const SpannedChar& c : segment) unescape_html = unescape_html && c.code != '<';
    const SpannedText fixed = fix_segment(segment, unescape_html);
    out.insert(out.end(), fixed.begin(), fixed.end());
    pos = end;
  }
  return out;
}

SpannedText collapse_whitespace(const SpannedText& text) {
  SpannedText out;
  for (size_t i = 0; i < text.size();) {
    if (!is_python_space(text[i].code)) {
      out.push_back(text[i++]);
      continue;
    }
    size_t j = i;
    while (j < text.size() && is_python_space(text[j].code)) ++j;
    if (i > 0 && j < text.size()) append_replacement(out, text, i, j, U" ");
    i = j;
  }
  return out;
}

SpannedText clip_clean(const SpannedText& text) {
  // basic_clean's final strip() is subsumed by the collapse.
  return python_lower(collapse_whitespace(html_unescape(html_unescape(ftfy_fix_text(text)))));
}

}  // namespace vgs::text
