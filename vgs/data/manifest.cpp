// Reading and writing JSON Lines manifests with line-numbered errors.
#include "vgs/data/manifest.h"

#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>

#include "vgs/core/error.h"
#include "vgs/core/fs.h"
#include "vgs/data/json_lines.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace vgs::data {

namespace {

// Typed access to one manifest line's fields, with errors that say where.
class Fields {
 public:
  Fields(const json& object, std::string where) : object_(object), where_(std::move(where)) {}

  std::string required_string(const char* key) const {
    if (!object_.contains(key)) throw Error(where_ + ": missing field '" + key + "'");
    return string(key);
  }
  std::string optional_string(const char* key) const {
    return object_.contains(key) && !object_[key].is_null() ? string(key) : "";
  }
  std::optional<double> optional_number(const char* key) const {
    if (!object_.contains(key) || object_[key].is_null()) return std::nullopt;
    if (!object_[key].is_number()) throw Error(where_ + ": field '" + key + "' must be a number");
    return object_[key].get<double>();
  }
  const json& get(const char* key) const { return object_[key]; }
  bool has(const char* key) const { return object_.contains(key) && !object_[key].is_null(); }
  const std::string& where() const { return where_; }

 private:
  std::string string(const char* key) const {
    const json& value = object_[key];
    if (!value.is_string()) throw Error(where_ + ": field '" + key + "' must be a string");
    std::string s = value.get<std::string>();
    if (s.empty()) throw Error(where_ + ": field '" + key + "' is empty");
    return s;
  }
  const json& object_;
  std::string where_;
};

// Calls `parse` for each non-blank line's JSON object, and checks that ids are unique.
void for_each_line(const std::string& path, const std::function<std::string(const Fields&, int)>& parse) {
  std::map<std::string, int> first_line_of_id;
  for_each_json_line(path, "manifest", [&](const json& object, const std::string& where, int line) {
    std::string id = parse(Fields(object, where), line);
    auto [it, fresh] = first_line_of_id.emplace(id, line);
    if (!fresh) throw Error(where + ": duplicate id '" + id + "' (first on line " + std::to_string(it->second) + ")");
  });
  if (first_line_of_id.empty()) throw Error(path + ": manifest holds no items");
}

std::string resolve(const std::string& manifest, const std::string& path) {
  fs::path p(path);
  if (p.is_relative()) p = fs::absolute(fs::path(manifest).parent_path() / p);
  return p.lexically_normal().string();
}

std::string relative_to_manifest(const std::string& manifest, const std::string& path) {
  fs::path folder = fs::absolute(fs::path(manifest).parent_path()).lexically_normal();
  fs::path relative = fs::path(path).lexically_relative(folder);
  if (!relative.empty() && *relative.begin() != "..") return relative.string();
  return path;
}

int64_t code_points(const std::string& utf8) {
  int64_t n = 0;
  for (unsigned char c : utf8) n += (c & 0xC0) != 0x80;
  return n;
}

void write_lines(const std::string& path, const std::vector<json>& lines) {
  std::string out;
  for (const auto& line : lines) out += line.dump() + "\n";
  core::write_file_atomic(path, out);
}

}  // namespace

std::vector<AudioItem> read_audio_manifest(const std::string& path) {
  std::vector<AudioItem> items;
  for_each_line(path, [&](const Fields& f, int line) {
    AudioItem item;
    item.id = f.required_string("id");
    item.path = resolve(path, f.required_string("path"));
    item.lang = f.required_string("lang");
    item.label = f.required_string("label");
    item.start = f.optional_number("start");
    item.end = f.optional_number("end");
    item.speaker = f.optional_string("speaker");
    item.source = f.optional_string("source");
    item.image = f.optional_string("image");
    item.line = line;
    if (item.start && *item.start < 0) throw Error(f.where() + ": field 'start' must be >= 0");
    if (item.start && item.end && *item.end <= *item.start)
      throw Error(f.where() + ": field 'end' must be greater than 'start'");
    if (item.end && !item.start) item.start = 0.0;
    items.push_back(item);
    return item.id;
  });
  return items;
}

std::vector<ImageItem> read_image_manifest(const std::string& path) {
  std::vector<ImageItem> items;
  for_each_line(path, [&](const Fields& f, int line) {
    ImageItem item{f.required_string("id"), resolve(path, f.required_string("path")),
                   f.required_string("label"), f.optional_string("source"), line};
    items.push_back(item);
    return item.id;
  });
  return items;
}

std::vector<CaptionItem> read_caption_manifest(const std::string& path) {
  std::vector<CaptionItem> items;
  for_each_line(path, [&](const Fields& f, int line) {
    CaptionItem item{f.required_string("id"), f.required_string("image"), f.required_string("text"), {}, line};
    if (f.has("spans")) {
      const json& spans = f.get("spans");
      if (!spans.is_array()) throw Error(f.where() + ": field 'spans' must be a list");
      const int64_t length = code_points(item.text);
      for (const auto& s : spans) {
        if (!s.is_object() || !s.contains("start") || !s.contains("end") || !s["start"].is_number_integer() ||
            !s["end"].is_number_integer())
          throw Error(f.where() + ": each span must be {\"start\": int, \"end\": int}");
        PhraseSpan span{s["start"].get<int64_t>(), s["end"].get<int64_t>(), ""};
        if (s.contains("label") && s["label"].is_string()) span.label = s["label"].get<std::string>();
        if (span.start < 0 || span.end <= span.start || span.end > length)
          throw Error(f.where() + ": span [" + std::to_string(span.start) + ", " + std::to_string(span.end) +
                      ") is outside the text (" + std::to_string(length) + " characters)");
        item.spans.push_back(span);
      }
    }
    items.push_back(item);
    return item.id;
  });
  return items;
}

void write_audio_manifest(const std::string& path, const std::vector<AudioItem>& items) {
  std::vector<json> lines;
  for (const auto& item : items) {
    json j = {{"id", item.id}, {"path", relative_to_manifest(path, item.path)}, {"lang", item.lang}, {"label", item.label}};
    if (item.start) j["start"] = *item.start;
    if (item.end) j["end"] = *item.end;
    if (!item.speaker.empty()) j["speaker"] = item.speaker;
    if (!item.source.empty()) j["source"] = item.source;
    if (!item.image.empty()) j["image"] = item.image;
    lines.push_back(j);
  }
  write_lines(path, lines);
}

void write_image_manifest(const std::string& path, const std::vector<ImageItem>& items) {
  std::vector<json> lines;
  for (const auto& item : items) {
    json j = {{"id", item.id}, {"path", relative_to_manifest(path, item.path)}, {"label", item.label}};
    if (!item.source.empty()) j["source"] = item.source;
    lines.push_back(j);
  }
  write_lines(path, lines);
}

void write_caption_manifest(const std::string& path, const std::vector<CaptionItem>& items) {
  std::vector<json> lines;
  for (const auto& item : items) {
    json j = {{"id", item.id}, {"image", item.image}, {"text", item.text}};
    if (!item.spans.empty()) {
      j["spans"] = json::array();
      for (const auto& s : item.spans) {
        json span = {{"start", s.start}, {"end", s.end}};
        if (!s.label.empty()) span["label"] = s.label;
        j["spans"].push_back(span);
      }
    }
    lines.push_back(j);
  }
  write_lines(path, lines);
}

}  // namespace vgs::data
