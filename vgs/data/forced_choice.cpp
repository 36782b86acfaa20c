// Forced-choice sets: the JSON Lines form and the FOIL-COCO reader (see forced_choice.h).
#include "vgs/data/forced_choice.h"

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "vgs/core/error.h"
#include "vgs/core/fs.h"
#include "vgs/data/json_lines.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace vgs::data {

namespace {

// COCO ids are numbers; vgs ids are strings.
std::string id_field(const json& object, const char* key, const std::string& where) {
  if (!object.is_object() || !object.contains(key) || !object[key].is_number_integer())
    throw Error(where + ": missing or non-integer '" + key + "'");
  return std::to_string(object[key].get<int64_t>());
}

const json& array_field(const json& document, const char* key, const std::string& path) {
  if (!document.is_object() || !document.contains(key) || !document[key].is_array())
    throw Error(path + ": no '" + key + "' list: not a FOIL-COCO annotation file");
  return document[key];
}

// Image id -> file name, for the images whose file is in `image_dir`; the others counted.
std::map<std::string, std::string> images_on_disk(const json& images, const std::string& path,
                                                  const std::string& image_dir, int64_t& missing) {
  std::map<std::string, std::string> found;
  for (size_t i = 0; i < images.size(); ++i) {
    const std::string where = path + ": images[" + std::to_string(i) + "]";
    const std::string file = (fs::path(image_dir) / nonempty_string(images[i], "file_name", where)).string();
    if (fs::exists(file)) found[id_field(images[i], "id", where)] = file;
    else ++missing;
  }
  return found;
}

}  // namespace

std::vector<ForcedChoice> read_forced_choice(const std::string& path) {
  std::vector<ForcedChoice> items;
  std::set<std::string> ids;
  for_each_json_line(path, "forced-choice file", [&](const json& object, const std::string& where, int line) {
    ForcedChoice c{nonempty_string(object, "id", where),      nonempty_string(object, "image", where),
                   nonempty_string(object, "caption", where), nonempty_string(object, "foil", where),
                   nonempty_string(object, "category", where), line};
    if (c.foil == c.caption) throw Error(where + ": the foil equals the caption");
    if (!ids.insert(c.id).second) throw Error(where + ": id '" + c.id + "' used twice");
    items.push_back(std::move(c));
  });
  if (items.empty()) throw Error(path + ": holds no forced-choice items");
  return items;
}

void write_forced_choice(const std::string& path, const std::vector<ForcedChoice>& items) {
  std::string out;
  for (const ForcedChoice& c : items)
    out += nlohmann::ordered_json{{"id", c.id}, {"image", c.image}, {"caption", c.caption}, {"foil", c.foil},
                                  {"category", c.category}}.dump() + "\n";
  core::write_file_atomic(path, out);
}

ForcedChoiceSet read_foil_coco(const std::string& annotations, const std::string& image_dir) {
  if (!fs::is_regular_file(annotations)) throw Error(annotations + ": not found or not a file");
  const json document = parse_json(core::read_file(annotations), annotations);
  ForcedChoiceSet set;
  const auto files = images_on_disk(array_field(document, "images", annotations), annotations, image_dir,
                                    set.missing_images);
  const json& entries = array_field(document, "annotations", annotations);
  std::map<std::string, std::string> originals;  // caption id -> the original caption
  for (size_t i = 0; i < entries.size(); ++i) {
    const std::string where = annotations + ": annotations[" + std::to_string(i) + "]";
    if (!entries[i].contains("foil") || !entries[i]["foil"].is_boolean()) throw Error(where + ": missing or non-boolean 'foil'");
    if (!entries[i]["foil"].get<bool>()) originals[id_field(entries[i], "id", where)] = nonempty_string(entries[i], "caption", where);
  }
  std::set<std::string> used_images;
  for (size_t i = 0; i < entries.size(); ++i) {
    const std::string where = annotations + ": annotations[" + std::to_string(i) + "]";
    if (!entries[i]["foil"].get<bool>()) continue;
    const std::string id = id_field(entries[i], "id", where), image = id_field(entries[i], "image_id", where);
    const auto original = originals.find(id);
    if (original == originals.end()) { ++set.unpaired_foils; continue; }
    if (!files.count(image)) continue;  // counted among the missing images
    set.items.push_back({"foil-" + id + "-" + std::to_string(i), image, original->second,
                         nonempty_string(entries[i], "caption", where), nonempty_string(entries[i], "target_word", where), 0});
    used_images.insert(image);
  }
  for (const std::string& image : used_images) set.images.push_back({image, files.at(image), image, "coco", 0});
  return set;
}

}  // namespace vgs::data
