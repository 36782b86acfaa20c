// UTF-8 validation of text read from files (names in weight files, pickled strings), in one place.
#pragma once

#include <string_view>

namespace vgs::core {

// Strict UTF-8, as JSON and Python strings must be: no overlong forms, no surrogates (U+D800 to
// U+DFFF) and no code points past U+10FFFF.
bool valid_utf8(std::string_view text);

}  // namespace vgs::core
