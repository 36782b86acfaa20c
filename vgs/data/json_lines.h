// Reading JSON Lines files (manifests, trial lists, validation draws) and JSON documents with errors
// that say where: "file:line: malformed JSON (...)", "file:line: expected a JSON object".
#pragma once

#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>

namespace vgs::data {

// Parses `text`; vgs::Error "<where>: malformed JSON (<what the parser says>)".
nlohmann::json parse_json(const std::string& text, const std::string& where);

// The non-empty string at `key` of `object`: vgs::Error "<where>: expected a JSON object" when it is
// not one, "<where>: missing or empty '<key>'" when the value is absent, not a string or empty.
std::string nonempty_string(const nlohmann::json& object, const char* key, const std::string& where);

// Calls `each` with the object of every non-blank line of `path`, its "path:line" and its line number.
// vgs::Error "<path>: <kind> not found or unreadable" when the file cannot be opened, and naming the
// line of malformed JSON or of a value that is not an object.
void for_each_json_line(const std::string& path, const std::string& kind,
                        const std::function<void(const nlohmann::json& object, const std::string& where, int line)>& each);

}  // namespace vgs::data
