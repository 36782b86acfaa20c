// Loading a recipe: YAML files with extends: chains, --set overrides, schema validation (each key,
// then the schema's rules across keys), defaults, and the dump that --dump-config prints and every
// run directory keeps. A recipe file is strict YAML: one document, no key written twice.
#include "vgs/core/config.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <stdexcept>

#include "vgs/core/error.h"
#include "vgs/core/fs.h"
#include "vgs/core/strings.h"

namespace fs = std::filesystem;

namespace vgs::core {

std::string ValueSource::describe() const {
  if (line > 0) return file + ":" + std::to_string(line);
  return file;
}

namespace {

std::string describe_node(const YAML::Node& node) {
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a list";
  if (node.IsNull()) return "nothing";
  return quote(node.Scalar());
}

// Parses one scalar as the element type of `spec`; `what` is the expectation for the message.
struct ScalarParser {
  const KeySpec& spec;
  const std::string& where;  // "file:line: key"

  [[noreturn]] void fail(const YAML::Node& node) const {
    throw Error(where + ": expected " + spec.describe_expected() + ", got " + describe_node(node));
  }

  void check_bounds(double x, const YAML::Node& node) const {
    if (!spec.bounds.contains(x)) fail(node);
  }

  bool parse_bool(const YAML::Node& node) const {
    bool b = false;
    if (!node.IsScalar() || !YAML::convert<bool>::decode(node, b)) fail(node);
    return b;
  }

  int64_t parse_int(const YAML::Node& node) const {
    if (!node.IsScalar()) fail(node);
    const std::string& text = node.Scalar();
    errno = 0;
    char* end = nullptr;
    long long x = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || errno == ERANGE) fail(node);
    check_bounds(static_cast<double>(x), node);
    return x;
  }

  double parse_float(const YAML::Node& node) const {
    if (!node.IsScalar()) fail(node);
    const std::string& text = node.Scalar();
    char* end = nullptr;
    double x = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !std::isfinite(x)) fail(node);
    check_bounds(x, node);
    return x;
  }

  std::string parse_string(const YAML::Node& node) const {
    if (!node.IsScalar()) fail(node);
    const std::string& text = node.Scalar();
    if (!spec.choices.empty()) {
      bool allowed = false;
      for (const auto& c : spec.choices) allowed = allowed || c == text;
      if (!allowed) {
        std::string hint = closest_match(text, spec.choices);
        throw Error(where + ": expected " + spec.describe_expected() + ", got " + quote(text) +
                    (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
      }
    }
    return text;
  }

  std::string parse_path(const YAML::Node& node, const std::string& base_dir) const {
    std::string text = parse_string(node);
    if (text.empty()) fail(node);
    fs::path p(text);
    // Relative paths are relative to the recipe that names them, so recipes can move together.
    if (p.is_relative()) p = fs::path(base_dir) / p;
    return fs::absolute(p).lexically_normal().string();
  }

  template <typename T, typename F>
  std::vector<T> parse_list(const YAML::Node& node, F parse_element) const {
    std::vector<T> items;
    if (node.IsScalar()) {  // a lone value is a list of one
      items.push_back(parse_element(node));
    } else if (node.IsSequence()) {
      for (const auto& element : node) items.push_back(parse_element(element));
    } else {
      fail(node);
    }
    return items;
  }

  Value parse(const YAML::Node& node, const std::string& base_dir) const {
    switch (spec.type) {
      case ValueType::Bool: return parse_bool(node);
      case ValueType::Int: return parse_int(node);
      case ValueType::Float: return parse_float(node);
      case ValueType::String: return parse_string(node);
      case ValueType::Path: return parse_path(node, base_dir);
      case ValueType::StringList:
        return parse_list<std::string>(node, [&](const YAML::Node& n) { return parse_string(n); });
      case ValueType::PathList:
        return parse_list<std::string>(node, [&](const YAML::Node& n) { return parse_path(n, base_dir); });
      case ValueType::IntList:
        return parse_list<int64_t>(node, [&](const YAML::Node& n) { return parse_int(n); });
      case ValueType::FloatList:
        return parse_list<double>(node, [&](const YAML::Node& n) { return parse_float(n); });
    }
    fail(node);
  }
};

// Why `path` cannot be read as a recipe ("No such file or directory", ...), or "" when it can.
std::string unreadable_reason(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return std::strerror(EISDIR);
  errno = 0;
  std::ifstream in(path);
  if (!in) return errno ? std::strerror(errno) : "cannot open";
  return "";
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw Error(path + ": cannot read recipe (" + std::strerror(errno) + ")");
  return text.str();
}

// Records the line of each document start ("---", or the first content of an implicit document).
// Only the document events matter: they find the second document of a file for its error.
class DocumentStarts : public YAML::EventHandler {
 public:
  std::vector<int> lines;  // 1-based
  void OnDocumentStart(const YAML::Mark& mark) override { lines.push_back(mark.line + 1); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

int second_document_line(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts starts;
  while (starts.lines.size() < 2 && parser.HandleNextDocument(starts)) {
  }
  return starts.lines.size() >= 2 ? starts.lines[1] : 0;
}

// The one YAML document of a recipe file. A second document ("---") would be silently ignored by a
// plain load, and a recipe split in two by mistake would lose its second half, so it is an error.
YAML::Node parse_recipe(const std::string& path, const std::string& text) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(text);
  } catch (const YAML::ParserException& e) {
    throw Error(path + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
                ": YAML syntax error: " + e.msg);
  }
  if (documents.size() > 1)
    throw Error(path + ":" + std::to_string(second_document_line(text)) +
                ": a second YAML document; a recipe is one document (remove the '---' or split the file)");
  return documents.empty() ? YAML::Node() : documents.front();
}

// yaml-cpp keeps both entries of a key written twice and lookups see the first, while the loader
// applies the last: either way one value is silently dropped, so a duplicate is an error at any
// depth. `seen` holds the positions of mappings and lists already walked: anchors and aliases can
// share a node many times over, or make a cycle (&a [*a]).
void check_unique_keys(const YAML::Node& node, const std::string& prefix, const std::string& path,
                       std::set<size_t>& seen) {
  if (!node.IsMap() && !node.IsSequence()) return;
  if (!seen.insert(static_cast<size_t>(node.Mark().pos)).second) return;
  if (node.IsSequence()) {
    for (const auto& item : node) check_unique_keys(item, prefix, path, seen);
    return;
  }
  std::map<std::string, int> first_line;
  for (const auto& item : node) {
    const std::string key = item.first.IsScalar() ? item.first.Scalar() : "";
    const std::string full = prefix.empty() ? key : prefix + "." + key;
    const int line = item.first.Mark().line + 1;
    auto [first, fresh] = first_line.emplace(key, line);
    if (!fresh && item.first.IsScalar())
      throw Error(path + ":" + std::to_string(line) + ": duplicate key " + quote(full) + " (first at line " +
                  std::to_string(first->second) + ")");
    check_unique_keys(item.second, full, path, seen);
  }
}

}  // namespace

// Builds a Config from recipe files and overrides; a friend of Config.
class ConfigLoader {
 public:
  ConfigLoader(const Schema& schema, Config& config) : schema_(schema), config_(config) {}

  // Loads the recipe at `path`; `chain` holds the recipes that extend it (for cycles).
  void load_file(const std::string& path, std::vector<std::string>& chain) {
    std::string canonical = fs::weakly_canonical(fs::absolute(path)).string();
    for (const auto& seen : chain)
      if (seen == canonical)
        throw Error(path + ": extends: cycle (" + join(chain, " -> ") + " -> " + canonical + ")");
    if (!fs::exists(path)) throw Error(path + ": recipe not found");
    if (std::string reason = unreadable_reason(path); !reason.empty())
      throw Error(path + ": cannot read recipe (" + reason + ")");
    YAML::Node root = parse_recipe(path, read_text(path));
    std::set<size_t> seen;
    check_unique_keys(root, "", path, seen);
    if (root.IsNull()) return;  // an empty recipe is all defaults
    if (!root.IsMap()) throw Error(path + ": a recipe must be a mapping of keys, got " + describe_node(root));
    chain.push_back(canonical);
    std::string dir = fs::path(path).parent_path().string();
    if (const YAML::Node base = root["extends"]) load_bases(base, path, dir, chain);
    apply_mapping(root, "", path, dir);
    chain.pop_back();
  }

  void apply_override(const std::string& assignment) {
    size_t eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0)
      throw Error("--set " + quote(assignment) + ": expected key=value");
    std::string key = trim(assignment.substr(0, eq));
    std::string text = assignment.substr(eq + 1);
    const KeySpec* spec = schema_.find(key);
    if (!spec) throw Error("--set: " + unknown_key_message(key));
    YAML::Node node;
    try {
      node = YAML::Load(text);
    } catch (const YAML::Exception&) {
      node = YAML::Node(text);  // not YAML: take it as a plain string
    }
    set(*spec, node, ValueSource{"--set", 0}, "--set " + key, fs::current_path().string());
  }

 private:
  void load_bases(const YAML::Node& base, const std::string& path, const std::string& dir,
                  std::vector<std::string>& chain) {
    if (base.IsNull()) return;  // "extends:" with nothing after it: no base
    std::vector<YAML::Node> bases;
    if (base.IsSequence())
      for (const auto& b : base) bases.push_back(b);
    else bases.push_back(base);
    for (const auto& b : bases) {
      const std::string where = path + ":" + std::to_string((b.Mark().line >= 0 ? b : base).Mark().line + 1);
      if (!b.IsScalar() || b.Scalar().empty())
        throw Error(where + ": extends: expected a recipe path or a list of them");
      fs::path p(b.Scalar());
      const std::string target = (p.is_relative() ? fs::path(dir) / p : p).string();
      // The error names the recipe that refers to a missing base, not just the base's path.
      if (std::string reason = unreadable_reason(target); !reason.empty())
        throw Error(where + ": extends: cannot read " + quote(b.Scalar()) + " (" + reason + ")");
      load_file(target, chain);
    }
  }

  void apply_mapping(const YAML::Node& map, const std::string& prefix, const std::string& file,
                     const std::string& dir) {
    for (const auto& item : map) {
      std::string key = item.first.Scalar();
      if (prefix.empty() && key == "extends") continue;
      std::string full = prefix.empty() ? key : prefix + "." + key;
      int line = item.first.Mark().line + 1;
      std::string where = file + ":" + std::to_string(line);
      if (const KeySpec* spec = schema_.find(full)) {
        set(*spec, item.second, ValueSource{file, line}, where + ": " + full, dir);
      } else if (schema_.is_group_prefix(full)) {
        if (item.second.IsMap()) apply_mapping(item.second, full, file, dir);
        else if (!item.second.IsNull())
          throw Error(where + ": " + full + ": expected a mapping of keys, got " +
                      describe_node(item.second));
      } else {
        throw Error(where + ": " + unknown_key_message(full));
      }
    }
  }

  void set(const KeySpec& spec, const YAML::Node& node, ValueSource source,
           const std::string& where, const std::string& dir) {
    if (node.IsNull()) {  // "key:" or "key: ~" resets to the default
      config_.values_.erase(spec.path);
      return;
    }
    Value value = ScalarParser{spec, where}.parse(node, dir);
    config_.values_[spec.path] = Config::Entry{std::move(value), std::move(source)};
  }

  std::string unknown_key_message(const std::string& key) const {
    std::vector<std::string> candidates = schema_.key_paths();
    std::string hint = closest_match(key, candidates);
    if (hint.empty()) {
      // "lr" written at the top level when the key is "train.lr".
      std::string leaf = split(key, '.').back();
      for (const auto& c : candidates)
        if (split(c, '.').back() == leaf) hint = c;
    }
    return "unknown key " + quote(key) + (hint.empty() ? "" : " (did you mean '" + hint + "'?)");
  }

  const Schema& schema_;
  Config& config_;
};

Config Config::load(const Schema& schema, const std::string& recipe_path,
                    const std::vector<std::string>& overrides) {
  Config config(schema);
  ConfigLoader loader(schema, config);
  std::vector<std::string> chain;
  loader.load_file(recipe_path, chain);
  for (const auto& o : overrides) loader.apply_override(o);
  config.fill_defaults_and_check_required(recipe_path);
  schema.check(config);
  return config;
}

Config Config::from_overrides(const Schema& schema, const std::vector<std::string>& overrides) {
  Config config(schema);
  ConfigLoader loader(schema, config);
  for (const auto& o : overrides) loader.apply_override(o);
  config.fill_defaults_and_check_required("--set");
  schema.check(config);
  return config;
}

void Config::fill_defaults_and_check_required(const std::string& recipe_name) {
  for (const auto& spec : schema_->keys()) {
    if (values_.count(spec.path)) continue;
    if (spec.required)
      throw Error(recipe_name + ": missing required key " + quote(spec.path) + " (" + spec.help + ")");
    if (spec.default_value) values_[spec.path] = Entry{*spec.default_value, ValueSource{"default", 0}};
  }
}

bool Config::has(const std::string& path) const { return values_.count(path) > 0; }

const Value* Config::find(const std::string& path) const {
  auto it = values_.find(path);
  return it == values_.end() ? nullptr : &it->second.value;
}

const Config::Entry& Config::entry(const std::string& path, ValueType expected) const {
  const KeySpec* spec = schema_->find(path);
  if (!spec) throw std::logic_error("config: no such key in the schema: " + path);
  bool compatible = spec->type == expected ||
                    (expected == ValueType::String && spec->type == ValueType::Path) ||
                    (expected == ValueType::StringList && spec->type == ValueType::PathList);
  if (!compatible)
    throw std::logic_error("config: " + path + " is a " + value_type_name(spec->type) + ", not a " +
                           value_type_name(expected));
  auto it = values_.find(path);
  if (it == values_.end()) throw std::logic_error("config: " + path + " is unset (check has())");
  return it->second;
}

bool Config::get_bool(const std::string& p) const { return std::get<bool>(entry(p, ValueType::Bool).value); }
int64_t Config::get_int(const std::string& p) const { return std::get<int64_t>(entry(p, ValueType::Int).value); }
double Config::get_float(const std::string& p) const { return std::get<double>(entry(p, ValueType::Float).value); }
const std::string& Config::get_string(const std::string& p) const {
  return std::get<std::string>(entry(p, ValueType::String).value);
}
const std::vector<std::string>& Config::get_string_list(const std::string& p) const {
  return std::get<std::vector<std::string>>(entry(p, ValueType::StringList).value);
}
const std::vector<int64_t>& Config::get_int_list(const std::string& p) const {
  return std::get<std::vector<int64_t>>(entry(p, ValueType::IntList).value);
}
const std::vector<double>& Config::get_float_list(const std::string& p) const {
  return std::get<std::vector<double>>(entry(p, ValueType::FloatList).value);
}
const ValueSource& Config::source(const std::string& path) const {
  auto it = values_.find(path);
  if (it == values_.end()) throw std::logic_error("config: " + path + " is unset");
  return it->second.source;
}

namespace {
// The shortest decimal text that reads back as exactly `x`.
std::string shortest_float(double x) {
  for (int precision = 6; precision <= 17; ++precision) {
    std::ostringstream out;
    out.precision(precision);
    out << x;
    if (std::strtod(out.str().c_str(), nullptr) == x) {
      std::string s = out.str();
      // Keep it a float when read by other YAML tools ("1" -> "1.0").
      if (s.find_first_of(".eE") == std::string::npos) s += ".0";
      return s;
    }
  }
  return std::to_string(x);
}

template <typename T>
YAML::Node flow_list(const std::vector<T>& items) {
  YAML::Node n(YAML::NodeType::Sequence);
  for (const auto& x : items) {
    if constexpr (std::is_same_v<T, double>) n.push_back(shortest_float(x));
    else n.push_back(x);
  }
  n.SetStyle(YAML::EmitterStyle::Flow);
  return n;
}

struct ToYaml {
  YAML::Node operator()(bool b) const { return YAML::Node(b); }
  YAML::Node operator()(int64_t i) const { return YAML::Node(i); }
  YAML::Node operator()(double d) const { return YAML::Node(shortest_float(d)); }
  YAML::Node operator()(const std::string& s) const { return YAML::Node(s); }
  template <typename T>
  YAML::Node operator()(const std::vector<T>& v) const { return flow_list(v); }
};

YAML::Node to_yaml(const Value& value) { return std::visit(ToYaml{}, value); }
}  // namespace

std::string Config::dump() const {
  YAML::Node root(YAML::NodeType::Map);
  for (const auto& spec : schema_->keys()) {
    auto it = values_.find(spec.path);
    if (it == values_.end()) continue;
    std::vector<std::string> parts = split(spec.path, '.');
    // Walk down with fresh handles: yaml-cpp's operator= on a Node handle would alias nodes.
    std::vector<YAML::Node> stack{root};
    for (size_t i = 0; i + 1 < parts.size(); ++i) stack.push_back(stack.back()[parts[i]]);
    stack.back()[parts.back()] = to_yaml(it->second.value);
  }
  YAML::Emitter out;
  out << root;
  return std::string(out.c_str()) + "\n";
}

void Config::save(const std::string& path) const { write_file_atomic(path, dump()); }

}  // namespace vgs::core
