// Small string helpers shared by the config, manifest, CLI and file-reading code.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vgs::core {

std::vector<std::string> split(std::string_view text, char separator);
std::string join(const std::vector<std::string>& parts, std::string_view separator);
std::string trim(std::string_view text);
bool starts_with(std::string_view text, std::string_view prefix);

// Levenshtein distance, for "did you mean" suggestions.
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word`, or "" when none is close enough to be a plausible typo.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

// Quotes a value for an error message, shortening very long ones.
std::string quote(std::string_view value);

// Text from a file, made safe for a one-line error message: control and non-ASCII bytes escaped
// (\n, \x07), cut after `max_chars` with "...".
std::string printable(std::string_view text, size_t max_chars = 80);

}  // namespace vgs::core
