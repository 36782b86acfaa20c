// JSON Lines reading with line-numbered errors (see json_lines.h).
#include "vgs/data/json_lines.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "vgs/core/error.h"

namespace vgs::data {

nlohmann::json parse_json(const std::string& text, const std::string& where) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    const std::string message = e.what();  // "[json.exception.parse_error.101] parse error at ..."
    throw Error(where + ": malformed JSON (" + message.substr(message.find(']') + 2) + ")");
  }
}

std::string nonempty_string(const nlohmann::json& object, const char* key, const std::string& where) {
  if (!object.is_object()) throw Error(where + ": expected a JSON object");
  if (!object.contains(key) || !object[key].is_string() || object[key].get<std::string>().empty())
    throw Error(where + ": missing or empty '" + key + "'");
  return object[key].get<std::string>();
}

void for_each_json_line(const std::string& path, const std::string& kind,
                        const std::function<void(const nlohmann::json&, const std::string&, int)>& each) {
  std::ifstream in(path);
  if (!in) throw Error(path + ": " + kind + " not found or unreadable");
  std::string text;
  int line = 0;
  while (std::getline(in, text)) {
    ++line;
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(line);
    const nlohmann::json object = parse_json(text, where);
    if (!object.is_object()) throw Error(where + ": expected a JSON object");
    each(object, where, line);
  }
}

}  // namespace vgs::data
