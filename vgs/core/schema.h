// The typed schema of a recipe: every key with its type, default, bounds and a one-line
// description. Each layer declares its own option group (io: audio, image; data: manifests; ...),
// and vgs/recipe assembles them. The schema is what turns a typo into an error that names the key.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "vgs/core/choices.h"

namespace vgs::core {

class Config;

enum class ValueType { Bool, Int, Float, String, Path, StringList, PathList, IntList, FloatList };
const char* value_type_name(ValueType type);

// One resolved value. Paths are stored as strings, already resolved against the recipe's folder.
using Value = std::variant<bool, int64_t, double, std::string, std::vector<std::string>,
                           std::vector<int64_t>, std::vector<double>>;
std::string value_to_string(const Value& value);

struct Bounds {
  std::optional<double> min, max;
  bool min_exclusive = false;
  static Bounds none() { return {}; }
  static Bounds positive() { return {0.0, std::nullopt, true}; }
  static Bounds non_negative() { return {0.0, std::nullopt, false}; }
  static Bounds range(double lo, double hi) { return {lo, hi, false}; }
  static Bounds at_least(double lo) { return {lo, std::nullopt, false}; }
  bool contains(double x) const;
  std::string describe() const;  // "> 0", "in [0, 1]", ...
};

// A rule no single key's type, bounds or choices can say (train.min_lr <= train.lr, a backbone name the
// registry knows). Throws vgs::Error, one line naming the key at fault and where it was set.
using ConfigCheck = std::function<void(const Config&)>;

struct KeySpec {
  std::string path;  // dotted, e.g. "train.lr"
  ValueType type = ValueType::String;
  std::optional<Value> default_value;  // none: the key is unset unless given (or required)
  std::string help;
  bool required = false;
  Bounds bounds;                     // numbers, and every element of number lists
  std::vector<std::string> choices;  // strings: the allowed values, when fixed
  std::string describe_expected() const;  // "a number > 0", "one of error, skip", ...
};

class Schema {
 public:
  // Declares the group `name` (the first component of its keys) for --help-config.
  Schema& group(const std::string& name, const std::string& help);

  Schema& add_bool(const std::string& path, bool default_value, const std::string& help);
  Schema& add_int(const std::string& path, std::optional<int64_t> default_value,
                  const std::string& help, Bounds bounds = {});
  Schema& add_float(const std::string& path, std::optional<double> default_value,
                    const std::string& help, Bounds bounds = {});
  Schema& add_string(const std::string& path, std::optional<std::string> default_value,
                     const std::string& help, std::vector<std::string> choices = {});
  // One of the names of `choices`; the default is the struct member's, so it is declared once.
  template <typename E>
  Schema& add_choice(const std::string& path, const Choices<E>& choices, E default_value, const std::string& help) {
    return add_string(path, std::string(choices.name(default_value)), help, choices.names());
  }
  // A file or folder; relative values resolve against the folder of the recipe that sets them.
  Schema& add_path(const std::string& path, const std::string& help, bool required = false);
  Schema& add_string_list(const std::string& path, std::vector<std::string> default_value,
                          const std::string& help);
  // Files or folders, each resolved like add_path's.
  Schema& add_path_list(const std::string& path, const std::string& help);
  Schema& add_int_list(const std::string& path, std::vector<int64_t> default_value,
                       const std::string& help, Bounds bounds = {});
  Schema& add_float_list(const std::string& path, std::vector<double> default_value,
                         const std::string& help, Bounds bounds = {});
  Schema& require(const std::string& path);  // marks an existing key required
  // Adds a rule run on every Config built with this schema, after defaults are filled, so every
  // program (vgs-config too) refuses the same recipes. Declared by the layer that owns the keys.
  Schema& add_check(ConfigCheck check);
  // Runs every check in the order they were added; the first broken rule throws.
  void check(const Config& config) const;

  const KeySpec* find(const std::string& path) const;
  // True when `path` is a proper prefix of some key ("train" for "train.lr").
  bool is_group_prefix(const std::string& path) const;
  const std::vector<KeySpec>& keys() const { return keys_; }
  std::vector<std::string> key_paths() const;

  // Every key with type, default and description, grouped; for --help-config.
  std::string help_text() const;

 private:
  Schema& add(KeySpec spec);
  std::vector<KeySpec> keys_;
  std::vector<ConfigCheck> checks_;
  std::vector<std::pair<std::string, std::string>> groups_;
};

}  // namespace vgs::core
