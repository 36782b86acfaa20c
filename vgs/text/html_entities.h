// HTML character references on spanned text: Python's html.unescape and ftfy's stricter
// unescape_html, which CLIP's text cleaning applies (ftfy first, then html.unescape twice).
// Numeric references are complete; named ones cover the HTML 4 entities (HTML5's spellings of them,
// with and without ';', and ftfy's upper-case forms such as &EACUTE;), see docs/text.md.
#pragma once

#include "vgs/text/spanned_text.h"

namespace vgs::text {

// Python's html.unescape: each reference becomes its characters, spanning the reference.
SpannedText html_unescape(const SpannedText& text);
// ftfy.fixes.unescape_html: only references that end in ';' (&#..; and &name;).
SpannedText ftfy_unescape_html(const SpannedText& text);
// ftfy.fixes.fix_c1_controls: U+0080..U+009F read as Windows-1252 (undefined bytes kept).
char32_t windows_1252_c1(char32_t code);

}  // namespace vgs::text
