// A resolved recipe: YAML files (with `extends:` chains) plus `--set key=value` overrides, checked
// against a Schema. Every value remembers where it came from, so an error or a dump can name the
// file and line. Errors are vgs::Error with one line: "recipe.yaml:12: train.lr: expected ...".
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "vgs/core/schema.h"

namespace vgs::core {

struct ValueSource {
  std::string file;  // recipe file, "--set", or "default"
  int line = 0;      // 1-based; 0 when not from a file
  std::string describe() const;  // "recipes/a.yaml:12", "--set", "default"
};

class Config {
 public:
  // Loads `recipe_path` (following extends:), applies the overrides ("a.b.c=value", the value
  // parsed as YAML), fills defaults and validates. Throws vgs::Error.
  static Config load(const Schema& schema, const std::string& recipe_path,
                     const std::vector<std::string>& overrides = {});
  // Defaults plus overrides, no recipe file.
  static Config from_overrides(const Schema& schema, const std::vector<std::string>& overrides);

  bool has(const std::string& path) const;
  // The value at `path` whatever its type (for comparing whole configurations), or null when unset.
  const Value* find(const std::string& path) const;
  bool get_bool(const std::string& path) const;
  int64_t get_int(const std::string& path) const;
  double get_float(const std::string& path) const;
  const std::string& get_string(const std::string& path) const;  // also paths
  const std::vector<std::string>& get_string_list(const std::string& path) const;
  const std::vector<int64_t>& get_int_list(const std::string& path) const;
  const std::vector<double>& get_float_list(const std::string& path) const;
  const ValueSource& source(const std::string& path) const;
  // A key declared with Schema::add_choice, as its enum.
  template <typename E>
  E get_choice(const std::string& path, const Choices<E>& choices) const {
    E value{};
    if (!choices.parse(get_string(path), value)) throw std::logic_error(path + ": a value the schema let through");
    return value;
  }

  // The resolved recipe as YAML, keys in schema order; loading it again gives the same Config.
  std::string dump() const;
  // Writes dump() atomically (temp file + rename).
  void save(const std::string& path) const;

  const Schema& schema() const { return *schema_; }

 private:
  struct Entry {
    Value value;
    ValueSource source;
  };
  explicit Config(const Schema& schema) : schema_(&schema) {}
  const Entry& entry(const std::string& path, ValueType expected) const;
  void fill_defaults_and_check_required(const std::string& recipe_name);

  const Schema* schema_;
  std::map<std::string, Entry> values_;
  friend class ConfigLoader;
};

}  // namespace vgs::core
