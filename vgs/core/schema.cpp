// The typed recipe schema: declaration, lookup, the rules across keys and --help-config text.
#include "vgs/core/schema.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "vgs/core/strings.h"

namespace vgs::core {

const char* value_type_name(ValueType type) {
  switch (type) {
    case ValueType::Bool: return "bool";
    case ValueType::Int: return "int";
    case ValueType::Float: return "float";
    case ValueType::String: return "string";
    case ValueType::Path: return "path";
    case ValueType::StringList: return "list of strings";
    case ValueType::PathList: return "list of paths";
    case ValueType::IntList: return "list of ints";
    case ValueType::FloatList: return "list of floats";
  }
  return "?";
}

namespace {
std::string number_to_string(double x) {
  std::ostringstream out;
  out.precision(10);
  out << x;
  return out.str();
}

template <typename T>
std::string list_to_string(const std::vector<T>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ", ";
    if constexpr (std::is_same_v<T, std::string>) out += items[i];
    else out += number_to_string(static_cast<double>(items[i]));
  }
  return out + "]";
}
}  // namespace

std::string value_to_string(const Value& value) {
  struct Visitor {
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return number_to_string(d); }
    std::string operator()(const std::string& s) const { return s; }
    std::string operator()(const std::vector<std::string>& v) const { return list_to_string(v); }
    std::string operator()(const std::vector<int64_t>& v) const { return list_to_string(v); }
    std::string operator()(const std::vector<double>& v) const { return list_to_string(v); }
  };
  return std::visit(Visitor{}, value);
}

bool Bounds::contains(double x) const {
  if (std::isnan(x)) return false;
  if (min && (min_exclusive ? x <= *min : x < *min)) return false;
  if (max && x > *max) return false;
  return true;
}

std::string Bounds::describe() const {
  if (min && max) return "in [" + number_to_string(*min) + ", " + number_to_string(*max) + "]";
  if (min) return (min_exclusive ? "> " : ">= ") + number_to_string(*min);
  if (max) return "<= " + number_to_string(*max);
  return "";
}

std::string KeySpec::describe_expected() const {
  std::string bound = bounds.describe();
  auto with_bound = [&](std::string what) { return bound.empty() ? what : what + " " + bound; };
  switch (type) {
    case ValueType::Bool: return "true or false";
    case ValueType::Int: return with_bound("an integer");
    case ValueType::Float: return with_bound("a number");
    case ValueType::String:
      return choices.empty() ? "a string" : "one of " + join(choices, ", ");
    case ValueType::Path: return "a path";
    case ValueType::StringList: return "a list of strings";
    case ValueType::PathList: return "a list of paths";
    case ValueType::IntList: return with_bound("a list of integers");
    case ValueType::FloatList: return with_bound("a list of numbers");
  }
  return "?";
}

Schema& Schema::group(const std::string& name, const std::string& help) {
  groups_.emplace_back(name, help);
  return *this;
}

Schema& Schema::add(KeySpec spec) {
  if (find(spec.path)) throw std::logic_error("schema: key declared twice: " + spec.path);
  keys_.push_back(std::move(spec));
  return *this;
}

Schema& Schema::add_bool(const std::string& path, bool value, const std::string& help) {
  return add({path, ValueType::Bool, Value{value}, help, false, {}, {}});
}
Schema& Schema::add_int(const std::string& path, std::optional<int64_t> value,
                        const std::string& help, Bounds bounds) {
  std::optional<Value> v;
  if (value) v = Value{*value};
  return add({path, ValueType::Int, v, help, false, bounds, {}});
}
Schema& Schema::add_float(const std::string& path, std::optional<double> value,
                          const std::string& help, Bounds bounds) {
  std::optional<Value> v;
  if (value) v = Value{*value};
  return add({path, ValueType::Float, v, help, false, bounds, {}});
}
Schema& Schema::add_string(const std::string& path, std::optional<std::string> value,
                           const std::string& help, std::vector<std::string> choices) {
  std::optional<Value> v;
  if (value) v = Value{*value};
  return add({path, ValueType::String, v, help, false, {}, std::move(choices)});
}
Schema& Schema::add_path(const std::string& path, const std::string& help, bool required) {
  return add({path, ValueType::Path, std::nullopt, help, required, {}, {}});
}
Schema& Schema::add_string_list(const std::string& path, std::vector<std::string> value,
                                const std::string& help) {
  return add({path, ValueType::StringList, Value{std::move(value)}, help, false, {}, {}});
}
Schema& Schema::add_path_list(const std::string& path, const std::string& help) {
  return add({path, ValueType::PathList, Value{std::vector<std::string>{}}, help, false, {}, {}});
}
Schema& Schema::add_int_list(const std::string& path, std::vector<int64_t> value,
                             const std::string& help, Bounds bounds) {
  return add({path, ValueType::IntList, Value{std::move(value)}, help, false, bounds, {}});
}
Schema& Schema::add_float_list(const std::string& path, std::vector<double> value,
                               const std::string& help, Bounds bounds) {
  return add({path, ValueType::FloatList, Value{std::move(value)}, help, false, bounds, {}});
}

Schema& Schema::require(const std::string& path) {
  for (auto& key : keys_) {
    if (key.path == path) {
      key.required = true;
      return *this;
    }
  }
  throw std::logic_error("schema: require() of an undeclared key: " + path);
}

Schema& Schema::add_check(ConfigCheck check) {
  checks_.push_back(std::move(check));
  return *this;
}

void Schema::check(const Config& config) const {
  for (const auto& rule : checks_) rule(config);
}

const KeySpec* Schema::find(const std::string& path) const {
  for (const auto& key : keys_)
    if (key.path == path) return &key;
  return nullptr;
}

bool Schema::is_group_prefix(const std::string& path) const {
  for (const auto& key : keys_)
    if (key.path.size() > path.size() && starts_with(key.path, path) && key.path[path.size()] == '.')
      return true;
  return false;
}

std::vector<std::string> Schema::key_paths() const {
  std::vector<std::string> paths;
  for (const auto& key : keys_) paths.push_back(key.path);
  return paths;
}

std::string Schema::help_text() const {
  std::ostringstream out;
  std::string current_group;
  for (const auto& key : keys_) {
    std::string group = split(key.path, '.')[0];
    if (group != current_group) {
      current_group = group;
      out << (out.tellp() > 0 ? "\n" : "") << group << ":";
      for (const auto& [name, help] : groups_)
        if (name == group) out << " " << help;
      out << "\n";
    }
    out << "  " << key.path << " (" << value_type_name(key.type) << ")";
    if (key.required) out << " required";
    else if (key.default_value) out << " = " << value_to_string(*key.default_value);
    else out << " = unset";
    out << "\n      " << key.help;
    std::string expected = key.describe_expected();
    if (!key.bounds.describe().empty() || !key.choices.empty()) out << " [" << expected << "]";
    out << "\n";
  }
  return out.str();
}

}  // namespace vgs::core
