// CLIP's text cleaning (open_clip's _clean_lower: ftfy.fix_text, html.unescape twice, strip,
// whitespace collapsed, lower case) on spanned text, so every cleaned code point still knows which
// bytes of the caption it came from. ftfy is reproduced in part: docs/text.md says what is done.
#pragma once

#include "vgs/text/spanned_text.h"

namespace vgs::text {

// ftfy.fix_text with its default configuration, without mojibake repair (fix_encoding): HTML
// references ending in ';' (unless the line so far holds '<'), C1 controls as Windows-1252, Latin
// ligatures, full/half-width forms, curly quotes, line breaks, terminal escapes, control
// characters, NFC; repeated until nothing changes, line by line as ftfy does.
SpannedText ftfy_fix_text(const SpannedText& text);

// " ".join(text.split()): runs of whitespace become one space (spanning the run), none at the ends.
SpannedText collapse_whitespace(const SpannedText& text);

// whitespace_clean(basic_clean(text)).lower()
SpannedText clip_clean(const SpannedText& text);

}  // namespace vgs::text
