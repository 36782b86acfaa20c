// Reading, writing and checking fixed pair draws (see pair_draws.h).
#include "vgs/data/pair_draws.h"

#include <map>
#include <nlohmann/json.hpp>

#include "vgs/core/error.h"
#include "vgs/core/fs.h"
#include "vgs/data/json_lines.h"

using nlohmann::json;

namespace vgs::data {

namespace {

std::string string_field(const json& object, const char* key, const std::string& where) {
  if (!object.contains(key)) throw Error(where + ": missing field '" + key + "'");
  const json& value = object[key];
  if (!value.is_string() || value.get<std::string>().empty())
    throw Error(where + ": field '" + key + "' must be a non-empty string");
  return value.get<std::string>();
}

std::vector<std::string> id_list_field(const json& object, const char* key, const std::string& where) {
  if (!object.contains(key)) throw Error(where + ": missing field '" + key + "'");
  const json& value = object[key];
  if (!value.is_array() || value.empty()) throw Error(where + ": field '" + key + "' must be a non-empty list of ids");
  std::vector<std::string> ids;
  for (const json& id : value) {
    if (!id.is_string() || id.get<std::string>().empty())
      throw Error(where + ": field '" + key + "' must hold non-empty strings");
    ids.push_back(id.get<std::string>());
  }
  return ids;
}

PairDraw parse_draw(const json& object, const std::string& where) {
  PairDraw d;
  d.word = string_field(object, "word", where);
  d.audio = string_field(object, "audio", where);
  d.image = string_field(object, "image", where);
  d.negative_audios = id_list_field(object, "negative_audios", where);
  d.negative_images = id_list_field(object, "negative_images", where);
  if (d.negative_audios.size() != d.negative_images.size())
    throw Error(where + ": " + std::to_string(d.negative_audios.size()) + " negative audios but " +
                std::to_string(d.negative_images.size()) + " negative images; each draw pairs them one to one");
  return d;
}

}  // namespace

void write_pair_draws(const std::string& path, const std::vector<PairDraw>& draws) {
  std::string out;
  for (const PairDraw& d : draws) {
    nlohmann::ordered_json j = {{"word", d.word},
                                {"audio", d.audio},
                                {"image", d.image},
                                {"negative_audios", d.negative_audios},
                                {"negative_images", d.negative_images}};
    out += j.dump() + "\n";
  }
  core::write_file_atomic(path, out);
}

std::vector<PairDraw> read_pair_draws(const std::string& path) {
  std::vector<PairDraw> draws;
  for_each_json_line(path, "draws file", [&](const json& object, const std::string& where, int line) {
    PairDraw d = parse_draw(object, where);
    d.line = line;
    // One batch holds draws of one K: the loss's negatives per item.
    if (!draws.empty() && d.negative_audios.size() != draws.front().negative_audios.size())
      throw Error(where + ": " + std::to_string(d.negative_audios.size()) + " negatives, but line " +
                  std::to_string(draws.front().line) + " has " + std::to_string(draws.front().negative_audios.size()));
    draws.push_back(std::move(d));
  });
  if (draws.empty()) throw Error(path + ": holds no draws");
  return draws;
}

void check_pair_draws(const std::vector<PairDraw>& draws, const std::vector<AudioItem>& audio,
                      const std::vector<ImageItem>& images, const std::string& path) {
  std::map<std::string, std::string> audio_label, image_label;
  for (const AudioItem& item : audio) audio_label[item.id] = item.label;
  for (const ImageItem& item : images) image_label[item.id] = item.label;
  for (const PairDraw& d : draws) {
    const std::string where = path + ":" + std::to_string(d.line);
    auto label_of = [&](const std::map<std::string, std::string>& labels, const std::string& id, const char* what) {
      auto it = labels.find(id);
      if (it == labels.end()) throw Error(where + ": " + what + " '" + id + "' is not among the split's items (manifest, run languages)");
      return it->second;
    };
    if (label_of(audio_label, d.audio, "audio") != d.word) throw Error(where + ": audio '" + d.audio + "' is not of '" + d.word + "'");
    if (label_of(image_label, d.image, "image") != d.word) throw Error(where + ": image '" + d.image + "' is not of '" + d.word + "'");
    for (const std::string& id : d.negative_audios)
      if (label_of(audio_label, id, "negative audio") == d.word)
        throw Error(where + ": negative audio '" + id + "' is of the draw's own word '" + d.word + "'");
    for (const std::string& id : d.negative_images)
      if (label_of(image_label, id, "negative image") == d.word)
        throw Error(where + ": negative image '" + id + "' is of the draw's own word '" + d.word + "'");
  }
}

}  // namespace vgs::data
