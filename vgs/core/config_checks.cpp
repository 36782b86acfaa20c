// Building blocks for Schema checks: where a key was set, and the order and size rules.
#include "vgs/core/config_checks.h"

#include <stdexcept>

#include "vgs/core/error.h"

namespace vgs::core {

namespace {
// --set beats a recipe file, which beats a default: the later layer is what the user changed last.
int precedence(const ValueSource& source) {
  if (source.file == "--set") return 2;
  if (source.file == "default") return 0;
  return 1;
}

double number(const Config& config, const std::string& key) {
  const KeySpec* spec = config.schema().find(key);
  if (spec && spec->type == ValueType::Int) return static_cast<double>(config.get_int(key));
  return config.get_float(key);
}

std::string number_text(double x) { return value_to_string(Value{x}); }
}  // namespace

std::string where(const Config& config, const std::string& key) {
  return config.source(key).describe() + ": " + key;
}

std::string origin(const Config& config, const std::string& key) {
  const ValueSource& source = config.source(key);
  return source.file == "default" ? "the default" : "from " + source.describe();
}

void check_order(const Config& config, const std::string& low, const std::string& high, Order order) {
  if (!config.has(low) || !config.has(high)) return;  // an unset optional key has no order to keep
  const double a = number(config, low), b = number(config, high);
  if (order == Order::less ? a < b : a <= b) return;
  const bool blame_high = precedence(config.source(high)) > precedence(config.source(low));
  if (blame_high)
    throw Error(where(config, high) + ": expected " + (order == Order::less ? "more than " : "at least ") + low +
                " (" + number_text(a) + ", " + origin(config, low) + "), got " + number_text(b));
  throw Error(where(config, low) + ": expected " + (order == Order::less ? "less than " : "at most ") + high + " (" +
              number_text(b) + ", " + origin(config, high) + "), got " + number_text(a));
}

void check_list_size(const Config& config, const std::string& key, size_t size, const std::string& what) {
  const KeySpec* spec = config.schema().find(key);
  if (!spec) throw std::logic_error("check_list_size: no such key: " + key);
  if (!config.has(key)) return;
  size_t n = 0;
  switch (spec->type) {
    case ValueType::FloatList: n = config.get_float_list(key).size(); break;
    case ValueType::IntList: n = config.get_int_list(key).size(); break;
    default: n = config.get_string_list(key).size(); break;
  }
  if (n != size)
    throw Error(where(config, key) + ": expected " + std::to_string(size) + " values (" + what + "), got " +
                std::to_string(n));
}

}  // namespace vgs::core
