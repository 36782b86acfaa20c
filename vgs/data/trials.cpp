// Two-way trials: seeded generation with portable sampling, JSON Lines reading and writing, and the
// check of every reference against the manifests.
#include "vgs/data/trials.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>
#include <unordered_map>

#include "vgs/core/error.h"
#include "vgs/core/fs.h"
#include "vgs/core/strings.h"
#include "vgs/data/json_lines.h"

using nlohmann::json;

namespace vgs::data {

namespace {

// The candidates of one trial list, sorted by id so that manifest order does not matter.
struct Pools {
  std::map<std::string, std::vector<std::string>> audio_by_label;            // lang already filtered
  std::map<std::string, std::vector<const ImageItem*>> images_by_label;
  std::map<std::string, std::vector<const ImageItem*>> negatives_by_source;  // images of negative labels
};

Pools make_pools(const std::vector<AudioItem>& audio, const std::vector<ImageItem>& images, const std::string& lang,
                 const std::set<std::string>& negative_labels) {
  Pools pools;
  for (const auto& item : audio)
    if (item.lang == lang) pools.audio_by_label[item.label].push_back(item.id);
  for (const auto& item : images) {
    pools.images_by_label[item.label].push_back(&item);
    if (negative_labels.count(item.label)) pools.negatives_by_source[item.source].push_back(&item);
  }
  auto by_id = [](const ImageItem* a, const ImageItem* b) { return a->id < b->id; };
  for (auto& [label, ids] : pools.audio_by_label) std::sort(ids.begin(), ids.end());
  for (auto& [label, items] : pools.images_by_label) std::sort(items.begin(), items.end(), by_id);
  for (auto& [source, items] : pools.negatives_by_source) std::sort(items.begin(), items.end(), by_id);
  return pools;
}

// Negatives for a positive of `word`: images of the negative labels, other than `word`, of its source.
std::vector<const ImageItem*> negatives_for(const Pools& pools, const ImageItem& positive, const std::string& word) {
  std::vector<const ImageItem*> out;
  auto it = pools.negatives_by_source.find(positive.source);
  if (it == pools.negatives_by_source.end()) return out;
  for (const ImageItem* item : it->second)
    if (item->label != word) out.push_back(item);
  return out;
}

std::string number6(size_t number) {
  char digits[24];
  std::snprintf(digits, sizeof digits, "%06zu", number);
  return digits;
}

// What the trials of one word are drawn from: its audio in the language, and the positives that can be
// paired, each with its same-source negatives.
struct WordPool {
  std::string word;
  const std::vector<std::string>* audio = nullptr;
  std::vector<const ImageItem*> positives;
  std::vector<std::vector<const ImageItem*>> negatives;  // negatives[p]: those of positives[p]
};

// `what` ("familiar trials in 'en'") starts the error messages.
WordPool word_pool(const Pools& pools, const std::string& word, const std::string& lang, const std::string& what) {
  WordPool pool;
  pool.word = word;
  auto audio_it = pools.audio_by_label.find(word);
  if (audio_it == pools.audio_by_label.end()) throw Error(what + ": no audio of '" + word + "' in '" + lang + "'");
  pool.audio = &audio_it->second;
  auto image_it = pools.images_by_label.find(word);
  if (image_it == pools.images_by_label.end()) throw Error(what + ": no image of '" + word + "'");
  // Only positives that can be paired are drawn, each with its list of same-source negatives.
  for (const ImageItem* positive : image_it->second) {
    auto candidates = negatives_for(pools, *positive, word);
    if (candidates.empty()) continue;
    pool.positives.push_back(positive);
    pool.negatives.push_back(std::move(candidates));
  }
  if (pool.positives.empty()) {
    std::set<std::string> sources;
    for (const ImageItem* image : image_it->second) sources.insert("'" + image->source + "'");
    throw Error(what + ": no image of '" + word + "' has a negative of the same source (no image of another word" +
                " has source " + core::join({sources.begin(), sources.end()}, " or ") + ")");
  }
  return pool;
}

std::vector<WordPool> word_pools(const Pools& pools, const std::vector<std::string>& words, const std::string& lang,
                                 const std::string& what) {
  std::vector<WordPool> out;
  out.reserve(words.size());
  for (const std::string& word : words) out.push_back(word_pool(pools, word, lang, what));
  return out;
}

// One trial: a random audio of the word, a random pairable positive, a random negative of that positive.
// The order of the three draws is part of the trial lists' reproducibility.
Trial draw_trial(std::mt19937_64& rng, const WordPool& pool, const std::string& test, const std::string& lang,
                 std::string id, int episode) {
  const std::vector<std::string>& audio_ids = *pool.audio;
  const std::string& audio_id = audio_ids[uniform_index(rng, audio_ids.size())];
  const size_t p = uniform_index(rng, pool.positives.size());
  const ImageItem* negative = pool.negatives[p][uniform_index(rng, pool.negatives[p].size())];
  return Trial{std::move(id), test, lang, pool.word, audio_id, pool.positives[p]->id, negative->id, episode, 0};
}

std::vector<Trial> generate(const std::string& test, const std::vector<AudioItem>& audio,
                            const std::vector<ImageItem>& images, const std::string& lang,
                            const std::vector<std::string>& words, const std::vector<std::string>& negative_words,
                            int per_word, uint64_t seed, Repeats repeats) {
  const std::string what = (test == "me" ? "ME" : test) + " trials in '" + lang + "'";
  if (per_word <= 0) throw Error(what + ": trials per word must be positive, got " + std::to_string(per_word));
  if (words.empty()) throw Error(what + ": no words to test");
  Pools pools = make_pools(audio, images, lang, std::set<std::string>(negative_words.begin(), negative_words.end()));
  const std::vector<WordPool> word_list = word_pools(pools, words, lang, what);
  std::mt19937_64 rng(seed);
  std::vector<Trial> trials;
  trials.reserve(words.size() * static_cast<size_t>(per_word));
  for (const WordPool& pool : word_list) {
    if (repeats == Repeats::allowed) {  // me-vgs: every draw kept, a triple may come twice
      for (int i = 0; i < per_word; ++i)
        trials.push_back(draw_trial(rng, pool, test, lang, test + "-" + lang + "-" + number6(trials.size() + 1), 0));
      continue;
    }
    // A list holds no trial twice: a repeated (audio, positive, negative) triple is drawn again, so a
    // word's trials are distinct as long as its pool allows (checked first, so the loop ends).
    size_t possible = 0;
    for (const auto& negatives : pool.negatives) possible += negatives.size();
    possible *= pool.audio->size();
    if (possible < static_cast<size_t>(per_word))
      throw Error(what + ": '" + pool.word + "' allows only " + std::to_string(possible) + " distinct trials, fewer than " +
                  std::to_string(per_word) + " per word; lower the trials per word or add items");
    std::set<std::tuple<std::string, std::string, std::string>> seen;
    while (seen.size() < static_cast<size_t>(per_word)) {
      Trial t = draw_trial(rng, pool, test, lang, test + "-" + lang + "-" + number6(trials.size() + 1), 0);
      if (seen.emplace(t.audio, t.positive, t.negative).second) trials.push_back(std::move(t));
    }
  }
  return trials;
}

// A trial line's fields, with errors that say where.
std::string required_string(const json& object, const char* key, const std::string& where) {
  if (!object.contains(key)) throw Error(where + ": missing field '" + key + "'");
  const json& value = object[key];
  if (!value.is_string()) throw Error(where + ": field '" + key + "' must be a string");
  std::string s = value.get<std::string>();
  if (s.empty()) throw Error(where + ": field '" + key + "' is empty");
  return s;
}

}  // namespace

std::vector<Trial> familiar_trials(const std::vector<AudioItem>& audio, const std::vector<ImageItem>& images,
                                   const std::string& lang, const std::vector<std::string>& familiar, int per_word,
                                   uint64_t seed, Repeats repeats) {
  return generate("familiar", audio, images, lang, familiar, familiar, per_word, seed, repeats);
}

std::vector<Trial> me_trials(const std::vector<AudioItem>& audio, const std::vector<ImageItem>& images,
                             const std::string& lang, const std::vector<std::string>& novel,
                             const std::vector<std::string>& familiar, int per_word, uint64_t seed, Repeats repeats) {
  if (familiar.empty()) throw Error("ME trials in '" + lang + "': no familiar words for the negatives");
  return generate("me", audio, images, lang, novel, familiar, per_word, seed, repeats);
}

std::vector<Trial> episode_trials(const std::vector<AudioItem>& audio, const std::vector<ImageItem>& images,
                                  const std::string& lang, const std::vector<std::string>& familiar,
                                  const std::vector<std::string>& novel, int episodes, uint64_t seed) {
  const std::string what = "episode trials in '" + lang + "'";
  if (episodes <= 0) throw Error(what + ": the number of episodes must be positive, got " + std::to_string(episodes));
  if (familiar.empty()) throw Error(what + ": no familiar words");
  // A word twice would give two trials one id.
  std::map<std::string, std::string> listed;
  for (const auto& [words, kind] : {std::pair{&familiar, "familiar"}, std::pair{&novel, "novel"}})
    for (const std::string& word : *words) {
      auto [it, fresh] = listed.emplace(word, kind);
      if (!fresh)
        throw Error(what + ": '" + word + "' is listed " +
                    (it->second == kind ? "twice as " + it->second : "as " + it->second + " and as " + kind));
    }
  Pools pools = make_pools(audio, images, lang, std::set<std::string>(familiar.begin(), familiar.end()));
  const std::vector<WordPool> familiar_pools = word_pools(pools, familiar, lang, what);
  const std::vector<WordPool> novel_pools = word_pools(pools, novel, lang, what);
  std::mt19937_64 rng(seed);
  std::vector<Trial> trials;
  trials.reserve(static_cast<size_t>(episodes) * (familiar.size() + novel.size()));
  for (int e = 1; e <= episodes; ++e) {
    const std::string prefix = "episode-" + lang + "-" + number6(static_cast<size_t>(e)) + "-";
    for (const WordPool& pool : familiar_pools)
      trials.push_back(draw_trial(rng, pool, "familiar", lang, prefix + "familiar-" + pool.word, e));
    for (const WordPool& pool : novel_pools)
      trials.push_back(draw_trial(rng, pool, "me", lang, prefix + "me-" + pool.word, e));
  }
  return trials;
}

void write_trials(const std::string& path, const std::vector<Trial>& trials) {
  std::string out;
  for (const Trial& t : trials) {
    // An ordered json object keeps the documented field order in the file.
    nlohmann::ordered_json j = {{"id", t.id},     {"test", t.test},         {"lang", t.lang},
                                {"word", t.word}, {"audio", t.audio},       {"positive", t.positive},
                                {"negative", t.negative}};
    if (t.episode != 0) j["episode"] = t.episode;  // only episode trials carry it: old files stay as they were
    out += j.dump() + "\n";
  }
  core::write_file_atomic(path, out);
}

// One trial line's fields.
Trial parse_trial(const json& object, const std::string& where) {
  Trial t;
  t.id = required_string(object, "id", where);
  t.test = required_string(object, "test", where);
  if (t.test != "familiar" && t.test != "me")
    throw Error(where + ": field 'test' must be 'familiar' or 'me', got '" + t.test + "'");
  t.lang = required_string(object, "lang", where);
  t.word = required_string(object, "word", where);
  t.audio = required_string(object, "audio", where);
  t.positive = required_string(object, "positive", where);
  t.negative = required_string(object, "negative", where);
  if (object.contains("episode")) {
    const json& episode = object["episode"];
    if (!episode.is_number_integer() || episode.get<int64_t>() < 0 ||
        episode.get<int64_t>() > std::numeric_limits<int>::max())
      throw Error(where + ": field 'episode' must be a non-negative integer");
    t.episode = episode.get<int>();
  }
  return t;
}

std::vector<Trial> read_trials(const std::string& path) {
  std::vector<Trial> trials;
  std::unordered_map<std::string, int> first_line_of_id;
  for_each_json_line(path, "trial file", [&](const json& object, const std::string& where, int line) {
    Trial t = parse_trial(object, where);
    t.line = line;
    auto [it, fresh] = first_line_of_id.emplace(t.id, line);
    if (!fresh) throw Error(where + ": duplicate id '" + t.id + "' (first on line " + std::to_string(it->second) + ")");
    trials.push_back(std::move(t));
  });
  if (trials.empty()) throw Error(path + ": trial file holds no trials");
  return trials;
}

void check_trials(const std::vector<Trial>& trials, const std::vector<AudioItem>& audio_items,
                  const std::vector<ImageItem>& image_items, const std::string& trials_path) {
  std::unordered_map<std::string, const AudioItem*> audio;
  std::unordered_map<std::string, const ImageItem*> images;
  for (const auto& item : audio_items) audio.emplace(item.id, &item);
  for (const auto& item : image_items) images.emplace(item.id, &item);
  for (const Trial& t : trials) {
    const std::string where = !trials_path.empty() && t.line > 0 ? trials_path + ":" + std::to_string(t.line)
                              : !trials_path.empty()             ? trials_path + ": trial '" + t.id + "'"
                                                                 : "trial '" + t.id + "'";
    auto fail = [&](const std::string& what) { throw Error(where + ": " + what); };
    auto a = audio.find(t.audio);
    if (a == audio.end()) fail("audio '" + t.audio + "' is not in the audio manifest");
    if (a->second->lang != t.lang)
      fail("audio '" + t.audio + "' is in '" + a->second->lang + "', the trial in '" + t.lang + "'");
    if (a->second->label != t.word)
      fail("audio '" + t.audio + "' is labelled '" + a->second->label + "', the trial's word is '" + t.word + "'");
    auto p = images.find(t.positive);
    if (p == images.end()) fail("positive '" + t.positive + "' is not in the image manifest");
    if (p->second->label != t.word)
      fail("positive '" + t.positive + "' is labelled '" + p->second->label + "', the trial's word is '" + t.word + "'");
    auto n = images.find(t.negative);
    if (n == images.end()) fail("negative '" + t.negative + "' is not in the image manifest");
    if (n->second->label == t.word) fail("negative '" + t.negative + "' is an image of the trial's word '" + t.word + "'");
    if (n->second->source != p->second->source)
      fail("negative '" + t.negative + "' has source '" + n->second->source + "', the positive '" +
           p->second->source + "'");
  }
}

}  // namespace vgs::data
