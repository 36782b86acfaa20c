// Spanned text: each cleaning step keeps every code point's bytes in the original, checked on
// hand-made inputs (entities, NFC, lower case, whitespace, ftfy's fixes).
#include <catch2/catch.hpp>

#include "tests/support/temp_dir.h"
#include "vgs/text/clip_clean.h"
#include "vgs/text/html_entities.h"
#include "vgs/text/spanned_text.h"

using namespace vgs;
using text::SpannedText;

namespace {

// "c[begin,end) ..." for each code point, c as UTF-8.
std::string show(const SpannedText& text) {
  std::string out;
  for (const auto& c : text) {
    if (!out.empty()) out += ' ';
    text::append_utf8(out, c.code);
    out += "[" + std::to_string(c.begin) + "," + std::to_string(c.end) + ")";
  }
  return out;
}

SpannedText spanned(const std::string& utf8) { return text::decode_spanned(utf8, "test"); }

}  // namespace

TEST_CASE("spanned text: decoding gives each code point its bytes, and bad UTF-8 is an error") {
  CHECK(show(spanned("a\xc3\xa9\xe2\x82\xac")) == "a[0,1) \xc3\xa9[1,3) \xe2\x82\xac[3,6)");
  CHECK(test::error_of([] { spanned("ab\xc3("); }) == "test: not valid UTF-8 at byte 2");
}

TEST_CASE("spanned text: HTML references span the whole reference") {
  CHECK(show(text::html_unescape(spanned("a&amp;b"))) == "a[0,1) &[1,6) b[6,7)");
  CHECK(show(text::html_unescape(spanned("&#x41;&#66"))) == "A[0,6) B[6,10)");
  // a bare legacy name: the known prefix is decoded, the rest kept with its own bytes
  CHECK(show(text::html_unescape(spanned("&notit"))) == "\xc2\xac[0,4) i[4,5) t[5,6)");
  CHECK(show(text::html_unescape(spanned("&#150;"))) == "\xe2\x80\x93[0,6)");  // Windows-1252 en dash
  CHECK(show(text::html_unescape(spanned("&#1;x"))) == "x[4,5)");                 // invalid code point: dropped
  // ftfy: only references ending in ';', and upper-case names
  CHECK(show(text::ftfy_unescape_html(spanned("&amp &EACUTE;"))) == "&[0,1) a[1,2) m[2,3) p[3,4)  [4,5) \xc3\x89[5,13)");
}

TEST_CASE("spanned text: NFC, lower case and whitespace keep the original spans") {
  // e + COMBINING ACUTE -> é spanning both
  CHECK(show(text::nfc(spanned("e\xcc\x81x"))) == "\xc3\xa9[0,3) x[3,4)");
  // İ lowers to i + COMBINING DOT ABOVE, both spanning İ; final sigma
  CHECK(show(text::python_lower(spanned("\xc4\xb0"))) == "i[0,2) \xcc\x87[0,2)");
  CHECK(show(text::python_lower(spanned("\xce\x91\xce\xa3"))) == "\xce\xb1[0,2) \xcf\x82[2,4)");
  CHECK(show(text::python_lower(spanned("\xce\xa3\xce\x91"))) == "\xcf\x83[0,2) \xce\xb1[2,4)");
  CHECK(show(text::collapse_whitespace(spanned("  a \t b "))) == "a[2,3)  [3,6) b[6,7)");
}

TEST_CASE("spanned text: CLIP's cleaning (ftfy subset, entities, whitespace, lower case)") {
  auto clean = [](const std::string& s) { return text::to_utf8(text::clip_clean(spanned(s))); };
  CHECK(clean("  \xe2\x80\x9cHi\xe2\x80\x9d  &amp;amp; \xef\xac\x81ne\xe3\x80\x80\xef\xbc\xa1 ") == "\"hi\" & fine a");
  CHECK(clean("\xc2\x93q\xc2\x94\xc2\x85") == "\"q\"\xe2\x80\xa6");  // C1 controls as Windows-1252, then uncurled
  CHECK(clean("a\x1b[31mb\x07" "c\xef\xbb\xbf") == "abc");          // terminal escape, BEL, BOM removed
  CHECK(clean("<b> &amp;amp;") == "<b> &");                          // with '<', ftfy leaves entities
  CHECK(show(text::clip_clean(spanned("A&nbsp;B"))) == "a[0,1)  [1,7) b[7,8)");
}
