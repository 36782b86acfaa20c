// Reading Flickr30K Entities, COCO captions and Conceptual Captions from their public layouts.
#include "vgs/data/caption_corpora.h"

#include <algorithm>
#include <type_traits>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "vgs/core/error.h"
#include "vgs/core/fs.h"
#include "vgs/core/strings.h"
#include "vgs/core/utf8.h"
#include "vgs/data/flickr30k_entities.h"
#include "vgs/data/json_lines.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace vgs::data {

namespace {

std::string absolute(const std::string& path) { return fs::absolute(path).lexically_normal().string(); }

// Adds the image when its file is there; false (and one more missing) when it is not.
bool add_image(CaptionCorpus& corpus, const std::string& id, const std::string& path, const std::string& source) {
  if (!fs::is_regular_file(path)) {
    ++corpus.missing_images;
    return false;
  }
  corpus.images.push_back(ImageItem{id, absolute(path), id, source, 0});
  return true;
}

// The ids of a Flickr30K split list, one a line.
std::vector<std::string> read_id_list(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(path + ": split list not found or unreadable");
  std::vector<std::string> ids;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const std::string id = core::trim(line);
    if (id.empty()) continue;
    if (id.find_first_of(" \t/") != std::string::npos)
      throw Error(path + ":" + std::to_string(number) + ": expected one image id, got " + core::quote(id));
    ids.push_back(id);
  }
  return ids;
}

std::vector<std::string> all_sentence_ids(const std::string& folder) {
  if (!fs::is_directory(folder)) throw Error(folder + ": Flickr30K Entities sentence folder not found");
  std::vector<std::string> ids;
  for (const auto& entry : fs::directory_iterator(folder))
    if (entry.path().extension() == ".txt") ids.push_back(entry.path().stem().string());
  std::sort(ids.begin(), ids.end());  // directory order differs between file systems
  return ids;
}

CaptionItem to_caption_item(const EntityCaption& caption, const std::string& id, const std::string& image) {
  CaptionItem item{id, image, caption.text, {}, 0};
  for (const auto& phrase : caption.phrases)
    item.spans.push_back(PhraseSpan{phrase.start, phrase.end, entity_phrase_label(phrase)});
  return item;
}

}  // namespace

CaptionCorpus read_flickr30k_entities(const std::string& root, const std::string& split) {
  const std::string sentences = root + "/Sentences";
  const auto ids = split.empty() ? all_sentence_ids(sentences) : read_id_list(root + "/" + split + ".txt");
  CaptionCorpus corpus;
  for (const auto& id : ids) {
    const auto captions = read_flickr30k_entities_sentences(sentences + "/" + id + ".txt");
    if (!add_image(corpus, id, root + "/flickr30k-images/" + id + ".jpg", "flickr30k")) continue;
    for (size_t n = 0; n < captions.size(); ++n)
      corpus.captions.push_back(to_caption_item(captions[n], id + "_" + std::to_string(n), id));
  }
  return corpus;
}

namespace {

// The value of `key` in a COCO entry, with an error naming the file and the entry.
template <typename T>
T coco_field(const json& entry, const char* key, const std::string& where) {
  const bool ok = entry.is_object() && entry.contains(key) &&
                  (std::is_same_v<T, std::string> ? entry[key].is_string() : entry[key].is_number_integer());
  if (!ok) throw Error(where + ": missing or mistyped field '" + key + "'");
  return entry[key].get<T>();
}

const json& coco_list(const json& document, const char* key, const std::string& path) {
  if (!document.is_object() || !document.contains(key) || !document[key].is_array())
    throw Error(path + ": expected a list '" + key + "' (COCO captions format)");
  return document[key];
}

}  // namespace

CaptionCorpus read_coco_captions(const std::string& root, const std::string& split) {
  const std::string path = root + "/annotations/captions_" + split + "2017.json";
  if (!fs::is_regular_file(path)) throw Error(path + ": COCO captions file not found");
  const json document = parse_json(core::read_file(path), path);
  CaptionCorpus corpus;
  std::map<int64_t, bool> image_on_disk;
  const json& images = coco_list(document, "images", path);
  for (size_t i = 0; i < images.size(); ++i) {
    const std::string where = path + ": images[" + std::to_string(i) + "]";
    const auto id = coco_field<int64_t>(images[i], "id", where);
    const auto file = coco_field<std::string>(images[i], "file_name", where);
    if (image_on_disk.count(id)) throw Error(where + ": duplicate image id " + std::to_string(id));
    image_on_disk[id] = add_image(corpus, std::to_string(id), root + "/" + split + "2017/" + file, "coco");
  }
  const json& annotations = coco_list(document, "annotations", path);
  for (size_t i = 0; i < annotations.size(); ++i) {
    const std::string where = path + ": annotations[" + std::to_string(i) + "]";
    const auto image = coco_field<int64_t>(annotations[i], "image_id", where);
    const auto id = coco_field<int64_t>(annotations[i], "id", where);
    const std::string text = core::trim(coco_field<std::string>(annotations[i], "caption", where));
    if (!image_on_disk.count(image)) throw Error(where + ": image_id " + std::to_string(image) + " is not in 'images'");
    if (text.empty()) throw Error(where + ": empty caption");
    if (image_on_disk[image]) corpus.captions.push_back(CaptionItem{std::to_string(id), std::to_string(image), text, {}, 0});
  }
  return corpus;
}

namespace {

std::string conceptual_captions_tsv(const std::string& split) {
  if (split == "train") return "Train_GCC-training.tsv";
  if (split == "val") return "Validation_GCC-1.1.0-Validation.tsv";
  throw Error("Conceptual Captions: --split must be train or val, got " + core::quote(split));
}

}  // namespace

CaptionCorpus read_conceptual_captions(const std::string& root, const std::string& split) {
  const std::string path = root + "/" + conceptual_captions_tsv(split);
  std::ifstream in(path);
  if (!in) throw Error(path + ": Conceptual Captions TSV not found or unreadable");
  CaptionCorpus corpus;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const std::string where = path + ":" + std::to_string(number);
    const auto fields = core::split(line, '\t');
    if (fields.size() != 2 || core::trim(fields[0]).empty() || core::trim(fields[1]).empty())
      throw Error(where + ": expected 'caption<TAB>url'");
    if (!core::valid_utf8(fields[0])) throw Error(where + ": the caption is not valid UTF-8");
    const std::string id = std::to_string(number);
    if (add_image(corpus, id, root + "/images/" + id + ".jpg", "cc"))
      corpus.captions.push_back(CaptionItem{id, id, core::trim(fields[0]), {}, 0});
  }
  return corpus;
}

CaptionCorpus read_caption_corpus(const std::string& corpus, const std::string& root, const std::string& split) {
  if (corpus == "flickr30k_entities") return read_flickr30k_entities(root, split);
  if (corpus == "coco") return read_coco_captions(root, split);
  if (corpus == "cc") return read_conceptual_captions(root, split);
  throw Error("unknown caption corpus " + core::quote(corpus) + " (flickr30k_entities, coco or cc)");
}

}  // namespace vgs::data
