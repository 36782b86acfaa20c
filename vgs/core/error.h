// vgs::Error: the one exception type for problems a user can fix (bad recipe, missing or corrupt
// file, malformed manifest). Its message is a single line naming the file, line or key at fault;
// programs print it and exit non-zero instead of crashing.
#pragma once

#include <stdexcept>
#include <string>

namespace vgs {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace vgs
