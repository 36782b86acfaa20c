// Recipe choices as enums: one table per choice pairs each enum value with the word recipes spell
// it with, so the schema's allowed values, the parser and error messages all come from one place
// and code compares enums, never strings.
#pragma once

#include <initializer_list>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace vgs::core {

template <typename E>
class Choices {
 public:
  Choices(std::initializer_list<std::pair<E, const char*>> entries) : entries_(entries) {}

  const char* name(E value) const {
    for (const auto& [v, n] : entries_)
      if (v == value) return n;
    throw std::logic_error("Choices: an enum value without a name");
  }
  // False when `text` is none of the names (the schema has already checked recipe values).
  bool parse(const std::string& text, E& value) const {
    for (const auto& [v, n] : entries_)
      if (text == n) return value = v, true;
    return false;
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& entry : entries_) out.emplace_back(entry.second);
    return out;
  }

 private:
  std::vector<std::pair<E, const char*>> entries_;
};

}  // namespace vgs::core
