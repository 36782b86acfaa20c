// Forced-choice sets: the JSON Lines form and the FOIL-COCO reader (see forced_choice.h).
#include "vgs/data/forced_choice.h"

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "vgs/core/error.h"
#include "vgs/core/fs.h"
#include "vgs/data/csv.h"
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

// The item's foil or foil image: exactly one of the two fields, non-empty, unlike the original.
void read_foil(const json& object, const std::string& where, ForcedChoice& c) {
  const bool caption_foil = object.contains("foil"), image_foil = object.contains("foil_image");
  if (caption_foil == image_foil)
    throw Error(where + (caption_foil ? ": both 'foil' and 'foil_image'; give one" : ": missing or empty 'foil' (or 'foil_image')"));
  if (caption_foil) c.foil = nonempty_string(object, "foil", where);
  else c.foil_image = nonempty_string(object, "foil_image", where);
  if (c.foil == c.caption) throw Error(where + ": the foil equals the caption");
  if (c.foil_image == c.image) throw Error(where + ": the foil image equals the image");
}

// SVO-Probes' booleans, as pandas writes them.
bool csv_bool(const CsvRow& row, const std::string& column) {
  const std::string& value = row.at(column);
  if (value == "True" || value == "true" || value == "1") return true;
  if (value == "False" || value == "false" || value == "0") return false;
  throw Error(row.where() + ": column '" + column + "' is '" + value + "', expected True or False");
}

// "subject", "verb" or "object" when exactly one of the row's negative kinds is set, "" otherwise.
std::string svo_category(const CsvRow& row) {
  const bool subject = csv_bool(row, "subj_neg"), verb = csv_bool(row, "verb_neg"), object = csv_bool(row, "obj_neg");
  if (subject + verb + object != 1) return "";
  return subject ? "subject" : verb ? "verb" : "object";
}

// The downloaded file of image `id` in `dir`, or "" when there is none.
std::string svo_image_file(const std::string& dir, const std::string& id, const std::string& where) {
  if (id.empty() || id.find('/') != std::string::npos) throw Error(where + ": bad image id '" + id + "'");
  for (const char* extension : {".jpg", ".jpeg", ".png"}) {
    const fs::path file = fs::path(dir) / (id + extension);
    if (fs::exists(file)) return file.string();
  }
  return "";
}

}  // namespace

std::vector<ForcedChoice> read_forced_choice(const std::string& path) {
  std::vector<ForcedChoice> items;
  std::set<std::string> ids;
  for_each_json_line(path, "forced-choice file", [&](const json& object, const std::string& where, int line) {
    ForcedChoice c;
    c.id = nonempty_string(object, "id", where);
    c.image = nonempty_string(object, "image", where);
    c.caption = nonempty_string(object, "caption", where);
    read_foil(object, where, c);
    c.category = nonempty_string(object, "category", where);
    c.line = line;
    if (!ids.insert(c.id).second) throw Error(where + ": id '" + c.id + "' used twice");
    items.push_back(std::move(c));
  });
  if (items.empty()) throw Error(path + ": holds no forced-choice items");
  return items;
}

void write_forced_choice(const std::string& path, const std::vector<ForcedChoice>& items) {
  std::string out;
  for (const ForcedChoice& c : items) {
    nlohmann::ordered_json line{{"id", c.id}, {"image", c.image}, {"caption", c.caption}};
    if (c.foil_image.empty()) line["foil"] = c.foil;
    else line["foil_image"] = c.foil_image;
    line["category"] = c.category;
    out += line.dump() + "\n";
  }
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
                         nonempty_string(entries[i], "caption", where), "",
                         nonempty_string(entries[i], "target_word", where), 0});
    used_images.insert(image);
  }
  for (const std::string& image : used_images) set.images.push_back({image, files.at(image), image, "coco", 0});
  return set;
}

ForcedChoiceSet read_svo_probes(const std::string& csv, const std::string& image_dir) {
  ForcedChoiceSet set;
  std::map<std::string, std::string> used;  // image id -> file
  std::set<std::string> missing;
  const std::vector<std::string> columns{"sentence", "pos_image_id", "neg_image_id", "subj_neg", "verb_neg", "obj_neg"};
  for_each_csv_row(csv, "SVO-Probes file", columns, [&](const CsvRow& row, int64_t index) {
    const std::string category = svo_category(row);
    if (category.empty()) { ++set.unclassified; return; }
    const std::string& sentence = row.at("sentence");
    if (sentence.empty()) throw Error(row.where() + ": empty sentence");
    const std::string image = row.at("pos_image_id"), foil = row.at("neg_image_id");
    if (image == foil) throw Error(row.where() + ": the negative image is the positive image (" + image + ")");
    const std::string image_file = svo_image_file(image_dir, image, row.where());
    const std::string foil_file = svo_image_file(image_dir, foil, row.where());
    if (image_file.empty()) missing.insert(image);
    if (foil_file.empty()) missing.insert(foil);
    if (image_file.empty() || foil_file.empty()) return;
    used[image] = image_file;
    used[foil] = foil_file;
    set.items.push_back({"svo-" + std::to_string(index), image, sentence, "", foil, category, 0});
  });
  set.missing_images = static_cast<int64_t>(missing.size());
  for (const auto& [id, file] : used) set.images.push_back({id, file, id, "svo_probes", 0});
  return set;
}

}  // namespace vgs::data
