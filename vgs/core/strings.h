// Small string helpers shared by the config, manifest and CLI code.
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

}  // namespace vgs::core
