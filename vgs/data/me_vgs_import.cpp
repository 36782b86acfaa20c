// Import of a me-vgs data folder (see me_vgs_import.h).
#include "vgs/data/me_vgs_import.h"

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "vgs/core/error.h"
#include "vgs/core/fs.h"
#include "vgs/core/strings.h"
#include "vgs/data/json_lines.h"
#include "vgs/data/vocabulary.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace vgs::data {

namespace {

json read_json_array(const std::string& path) {
  if (!fs::is_regular_file(path)) throw Error(path + ": not found or not a file");
  const json value = parse_json(core::read_file(path), path);
  if (!value.is_array()) throw Error(path + ": expected a JSON array (a me-vgs file list)");
  return value;
}

std::string entry_where(const std::string& path, size_t index) { return path + ": entry " + std::to_string(index + 1); }

std::string optional_field(const json& datum, const char* key) {
  return datum.contains(key) && datum[key].is_string() ? datum[key].get<std::string>() : "";
}

// One datum of a list of datums ("audios-neg": [...]) or the only one of a one-element list.
const json& only(const json& entry, const char* key, const std::string& where) {
  if (!entry.is_object() || !entry.contains(key) || !entry[key].is_array() || entry[key].size() != 1)
    throw Error(where + ": '" + key + "' must be a list of exactly one item (vgs draws one positive, P1)");
  return entry[key][0];
}

std::vector<std::string> names(const json& entry, const char* key, const std::string& where) {
  if (!entry.is_object() || !entry.contains(key) || !entry[key].is_array() || entry[key].empty())
    throw Error(where + ": '" + key + "' must be a non-empty list");
  std::vector<std::string> out;
  for (const json& datum : entry[key]) out.push_back(nonempty_string(datum, "name", where + ", " + key));
  return out;
}

template <typename Item>
void require_unique_ids(const std::vector<Item>& items, const std::string& path) {
  std::set<std::string> ids;
  for (const Item& item : items)
    if (!ids.insert(item.id).second) throw Error(entry_where(path, item.line - 1) + ": name '" + item.id + "' listed twice");
}

std::string data_folder(const std::string& me_vgs_dir) {
  if (fs::is_directory(fs::path(me_vgs_dir) / "data" / "filelists")) return (fs::path(me_vgs_dir) / "data").string();
  if (fs::is_directory(fs::path(me_vgs_dir) / "filelists")) return me_vgs_dir;
  throw Error(me_vgs_dir + ": not a me-vgs folder (no data/filelists/ in it)");
}

// me-vgs rewrote its audio lists twice (-2: French and Dutch test tokens; -3: missing Dutch files
// replaced); the newest there is the one its final runs read.
std::string newest_audio_list(const std::string& lists, const std::string& split) {
  for (const char* version : {"-3", "-2", ""}) {
    const std::string path = lists + "/audio-" + split + version + ".json";
    if (fs::exists(path)) return path;
  }
  throw Error(lists + ": no audio-" + split + ".json (nor -2, -3): not a me-vgs file-list folder");
}

std::string languages_code(const std::string& me_vgs_languages, const std::string& where) {
  std::vector<std::string> codes;
  for (const std::string& name : core::split(me_vgs_languages, '_')) codes.push_back(language_code(name, where));
  return core::join(codes, "_");
}

}  // namespace

std::string language_code(const std::string& me_vgs_language, const std::string& where) {
  static const std::map<std::string, std::string> codes{{"english", "en"}, {"french", "fr"}, {"dutch", "nl"}};
  auto it = codes.find(me_vgs_language);
  if (it == codes.end())
    throw Error(where + ": unknown language '" + me_vgs_language + "' (me-vgs has english, french, dutch)");
  return it->second;
}

std::vector<AudioItem> audio_items_from_me_vgs(const std::string& list, const std::string& data_dir) {
  const json entries = read_json_array(list);
  std::vector<AudioItem> items;
  for (size_t i = 0; i < entries.size(); ++i) {
    const std::string where = entry_where(list, i);
    AudioItem item;
    item.id = nonempty_string(entries[i], "name", where);
    const std::string language = nonempty_string(entries[i], "lang", where);
    item.lang = language_code(language, where);
    item.label = nonempty_string(entries[i], "word-en", where);
    item.path = (fs::path(data_dir) / (language + "_words") / (item.id + ".wav")).string();
    item.line = static_cast<int>(i + 1);
    items.push_back(std::move(item));
  }
  require_unique_ids(items, list);
  return items;
}

std::vector<ImageItem> image_items_from_me_vgs(const std::string& list, const std::string& data_dir) {
  const json entries = read_json_array(list);
  std::vector<ImageItem> items;
  for (size_t i = 0; i < entries.size(); ++i) {
    const std::string where = entry_where(list, i);
    ImageItem item;
    item.id = nonempty_string(entries[i], "name", where);
    item.label = nonempty_string(entries[i], "word-en", where);
    item.source = optional_field(entries[i], "source");
    item.path = (fs::path(data_dir) / "images" / (item.id + ".jpg")).string();
    item.line = static_cast<int>(i + 1);
    items.push_back(std::move(item));
  }
  require_unique_ids(items, list);
  return items;
}

std::vector<Trial> trials_from_me_vgs(const std::string& path, const std::string& test) {
  const json entries = read_json_array(path);
  std::vector<Trial> trials;
  for (size_t i = 0; i < entries.size(); ++i) {
    const std::string where = entry_where(path, i);
    const json& entry = entries[i];
    if (!entry.is_object() || !entry.contains("audio") || !entry.contains("image-pos") || !entry.contains("image-neg"))
      throw Error(where + ": expected {\"audio\", \"image-pos\", \"image-neg\"}");
    Trial t;
    t.test = test;
    t.lang = language_code(nonempty_string(entry["audio"], "lang", where + ", audio"), where);
    t.word = nonempty_string(entry["audio"], "word-en", where + ", audio");
    t.audio = nonempty_string(entry["audio"], "name", where + ", audio");
    t.positive = nonempty_string(entry["image-pos"], "name", where + ", image-pos");
    t.negative = nonempty_string(entry["image-neg"], "name", where + ", image-neg");
    char number[16];
    std::snprintf(number, sizeof number, "%06zu", i + 1);
    t.id = test + "-" + t.lang + "-" + number;
    t.line = static_cast<int>(i + 1);
    trials.push_back(std::move(t));
  }
  if (trials.empty()) throw Error(path + ": holds no trials");
  return trials;
}

std::vector<PairDraw> pair_draws_from_me_vgs(const std::string& path) {
  const json entries = read_json_array(path);
  std::vector<PairDraw> draws;
  for (size_t i = 0; i < entries.size(); ++i) {
    const std::string where = entry_where(path, i);
    PairDraw d;
    const json& anchor = only(entries[i], "audios-pos", where);
    d.audio = nonempty_string(anchor, "name", where + ", audios-pos");
    d.word = nonempty_string(anchor, "word-en", where + ", audios-pos");
    d.image = nonempty_string(only(entries[i], "images-pos", where), "name", where + ", images-pos");
    d.negative_audios = names(entries[i], "audios-neg", where);
    d.negative_images = names(entries[i], "images-neg", where);
    if (d.negative_audios.size() != d.negative_images.size())
      throw Error(where + ": as many 'audios-neg' as 'images-neg' expected");
    d.line = static_cast<int>(i + 1);
    draws.push_back(std::move(d));
  }
  if (draws.empty()) throw Error(path + ": holds no validation samples");
  return draws;
}

namespace {

struct Imported {
  std::map<std::string, std::vector<AudioItem>> audio;  // by vgs split: train, val, test
  std::map<std::string, std::vector<ImageItem>> images;
};

// The six file lists as manifests under out/manifests.
Imported import_manifests(const std::string& data, const std::string& out, MeVgsImport& report) {
  Imported imported;
  const std::string lists = data + "/filelists";
  for (const auto& [me_vgs_split, split] : {std::pair{"train", "train"}, {"valid", "val"}, {"test", "test"}}) {
    const std::string image_list = lists + "/image-" + me_vgs_split + ".json";
    imported.audio[split] = audio_items_from_me_vgs(newest_audio_list(lists, me_vgs_split), data);
    imported.images[split] = image_items_from_me_vgs(image_list, data);
    const std::string audio_path = out + "/manifests/audio_" + split + ".jsonl";
    const std::string image_path = out + "/manifests/images_" + split + ".jsonl";
    write_audio_manifest(audio_path, imported.audio[split]);
    write_image_manifest(image_path, imported.images[split]);
    report.written.push_back(audio_path);
    report.written.push_back(image_path);
  }
  return imported;
}

// Converts one me-vgs trial list when it is there (false when not), checks it against the split's
// manifests, writes it.
bool import_trial_list(const std::string& from, const std::string& test, const std::string& to, const Imported& m,
                       const std::string& split, MeVgsImport& report) {
  if (!fs::exists(from)) return false;
  const std::vector<Trial> trials = trials_from_me_vgs(from, test);
  check_trials(trials, m.audio.at(split), m.images.at(split), from);
  write_trials(to, trials);
  report.written.push_back(to);
  return true;
}

void import_test_trials(const std::string& lists, const std::string& out, const Imported& m, MeVgsImport& report) {
  for (const auto& [language, code] : {std::pair{"english", "en"}, {"french", "fr"}, {"dutch", "nl"}})
    for (const auto& [me_vgs_test, test] : {std::pair{"familiar-familiar", "familiar"}, {"novel-familiar", "me"}}) {
      const std::string to = out + "/trials/" + test + "_test_" + code + ".jsonl";
      const std::string per_language = lists + "/" + me_vgs_test + "-" + language + "-test.json";
      // The first English-only lists had no language in their name.
      const bool found = import_trial_list(per_language, test, to, m, "test", report) ||
                         (std::string(code) == "en" &&
                          import_trial_list(lists + "/" + me_vgs_test + "-test.json", test, to, m, "test", report));
      if (!found) report.missing.push_back(per_language);
    }
  for (const auto& [me_vgs_test, test] : {std::pair{"familiar-familiar", "familiar"}, {"novel-familiar", "me"}}) {
    const std::string from = lists + "/leanne-1000-" + me_vgs_test + "-test.json";
    if (!import_trial_list(from, test, out + "/trials/tacl_" + test + "_test_en.jsonl", m, "test", report))
      report.missing.push_back(from);
  }
}

// me-vgs scores no trials on the validation split; vgs's recipes curve the familiar test there, so
// lists are drawn (me-vgs's way: 50 per word, repeats allowed) for each language of the val audio.
void draw_val_trials(const std::string& lists, const std::string& out, const Imported& m, MeVgsImport& report) {
  std::set<std::string> languages, labels;
  for (const AudioItem& item : m.audio.at("val")) languages.insert(item.lang), labels.insert(item.label);
  std::vector<std::string> familiar;  // the familiar words the val split has
  for (const Word& w : familiar_words())
    if (labels.count(w.english)) familiar.push_back(w.english);
  for (const std::string& lang : languages) {
    const std::string to = out + "/trials/familiar_val_" + lang + ".jsonl";
    if (lang == "en" && import_trial_list(lists + "/familiar-familiar-valid.json", "familiar", to, m, "val", report))
      continue;
    write_trials(to, familiar_trials(m.audio.at("val"), m.images.at("val"), lang, familiar, 50, 42, Repeats::allowed));
    report.written.push_back(to);
  }
}

void import_validation_draws(const std::string& lists, const std::string& out, const Imported& m, MeVgsImport& report) {
  const std::string prefix = "validation-samples-";
  for (const auto& entry : fs::directory_iterator(lists)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0 || entry.path().extension() != ".json" || name.find("-P1-N") == std::string::npos)
      continue;  // also skips validation-samples-simple-*, the in-batch variant's pairs
    const std::string stem = entry.path().stem().string();  // validation-samples-english_french-P1-N11
    const std::string languages = stem.substr(prefix.size(), stem.find("-P1-N") - prefix.size());
    const std::string negatives = stem.substr(stem.find("-P1-N") + 5);
    const std::vector<PairDraw> draws = pair_draws_from_me_vgs(entry.path().string());
    check_pair_draws(draws, m.audio.at("val"), m.images.at("val"), entry.path().string());
    const std::string to = out + "/draws/valid_" + languages_code(languages, entry.path().string()) + "_p1_n" + negatives + ".jsonl";
    write_pair_draws(to, draws);
    report.written.push_back(to);
  }
}

}  // namespace

MeVgsImport import_me_vgs(const std::string& me_vgs_dir, const std::string& out_dir) {
  const std::string data = data_folder(me_vgs_dir);
  const std::string lists = data + "/filelists";
  MeVgsImport report;
  for (const char* sub : {"manifests", "trials", "draws"}) fs::create_directories(fs::path(out_dir) / sub);
  const Imported imported = import_manifests(fs::absolute(data).lexically_normal().string(), out_dir, report);
  import_test_trials(lists, out_dir, imported, report);
  draw_val_trials(lists, out_dir, imported, report);
  import_validation_draws(lists, out_dir, imported, report);
  return report;
}

}  // namespace vgs::data
