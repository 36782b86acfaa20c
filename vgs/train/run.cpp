// Run folders and splits (see run.h).
#include "vgs/train/run.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "vgs/core/error.h"
#include "vgs/core/log.h"
#include "vgs/core/strings.h"
#include "vgs/data/toy_world.h"

namespace fs = std::filesystem;

namespace vgs::train {

RunFolder RunFolder::open(const std::string& dir) {
  RunFolder run(dir);
  if (!fs::exists(run.config())) throw Error(dir + ": not a vgs-train run folder (it has no config.yaml)");
  return run;
}

std::string RunFolder::config() const { return (fs::path(dir_) / "config.yaml").string(); }
std::string RunFolder::checkpoints() const { return (fs::path(dir_) / "checkpoints").string(); }
std::string RunFolder::link(const std::string& which) const { return (fs::path(checkpoints()) / which).string(); }
std::string RunFolder::metrics_log() const { return (fs::path(dir_) / "metrics.jsonl").string(); }
std::string RunFolder::tensorboard() const { return (fs::path(dir_) / "tensorboard").string(); }
std::string RunFolder::results() const { return (fs::path(dir_) / "results.json").string(); }
std::string RunFolder::eval_dir() const { return (fs::path(dir_) / "eval").string(); }

std::string RunFolder::last_checkpoint() const {
  const std::string last = link("last");
  return fs::exists(last) ? last : "";
}

bool whole_checkpoint(const std::string& folder) {
  for (const char* file : {"state.json", "model.safetensors", "optimizer.safetensors"})
    if (!fs::is_regular_file(fs::path(folder) / file)) return false;
  return true;
}

bool is_step_folder_name(const std::string& name) {
  if (name.size() != 13 || name.rfind("step-", 0) != 0) return false;
  return std::all_of(name.begin() + 5, name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string RunFolder::resume_checkpoint() const {
  const std::string last = link("last");
  if (fs::exists(last) && whole_checkpoint(last)) return last;
  std::vector<std::string> steps;
  if (fs::is_directory(checkpoints()))
    for (const auto& e : fs::directory_iterator(checkpoints()))
      if (!e.is_symlink() && e.is_directory() && is_step_folder_name(e.path().filename().string()) &&
          whole_checkpoint(e.path().string()))
        steps.push_back(e.path().string());
  if (steps.empty()) return "";
  std::sort(steps.begin(), steps.end());
  log::warn("[train] ", last, " does not point at a whole checkpoint (a crash while it was switched?); resuming from ",
            steps.back(), ", the newest whole one");
  return steps.back();
}

bool RunFolder::is_run() const { return fs::exists(config()) || fs::exists(checkpoints()); }

void RunFolder::require_new_run_fits() const {
  if (!fs::exists(dir_) || is_run()) return;
  if (!fs::is_directory(dir_)) throw Error("run.dir: " + dir_ + " is a file, not a folder");
  for (const auto& e : fs::directory_iterator(dir_))
    if (e.path().filename() != ".lock")
      throw Error("run.dir: " + dir_ + " is not empty and holds no vgs run (no config.yaml, no checkpoints/): "
                  "choose another run.dir, or empty it");
}

void RunFolder::remove_leftovers() const {
  for (const std::string& folder : {dir_, checkpoints()}) {
    if (!fs::is_directory(folder)) continue;
    std::vector<fs::path> leftovers;
    for (const auto& e : fs::directory_iterator(folder))
      if (e.path().filename().string().find(".tmp.") != std::string::npos) leftovers.push_back(e.path());
    for (const auto& path : leftovers) {
      log::warn("[train] removing ", path.string(), ", left half-written by an earlier crash");
      fs::remove_all(path);
    }
  }
}

RunLock::RunLock(const RunFolder& run)
    : lock_(core::FileLock::take((fs::path(run.dir()) / ".lock").string(), run.dir(),
                                 " (a vgs-train on the same run.dir); wait for it to end, or stop it")) {}

RunLock::~RunLock() = default;

std::string RunFolder::checkpoint_for_evaluation(const std::string& which) const {
  const std::string path = link(which);
  if (!fs::exists(path))
    throw Error(dir_ + ": no '" + which + "' checkpoint in " + checkpoints() +
                (which == "best" ? " (a run without validation has none: use --checkpoint last)" : " (not a vgs-train run?)"));
  return step_folder(path);
}

std::string step_folder(const std::string& checkpoint) {
  const fs::path link(checkpoint);
  return fs::is_symlink(link) ? (link.parent_path() / fs::read_symlink(link)).string() : checkpoint;
}

void use_toy_world(TwoTowerOptions& o) {
  if (o.toy_world.empty()) return;
  // Always the full world (every language): one toy world serves monolingual and bilingual recipes.
  data::make_toy_world(o.toy_world, data::ToyWorldOptions{});
  auto fill = [&](Split& split, const std::string& name) {
    if (split.audio_manifest.empty()) split.audio_manifest = data::toy_world_manifest(o.toy_world, "audio", name);
    if (split.image_manifest.empty()) split.image_manifest = data::toy_world_manifest(o.toy_world, "images", name);
  };
  fill(o.train, "train");
  fill(o.valid, "val");
  fill(o.test, "test");
  if (o.valid.trials.empty())
    for (const auto& lang : o.languages) o.valid.trials.push_back(data::toy_world_trials(o.toy_world, "familiar", "val", lang));
  if (o.test.trials.empty())
    for (const auto& lang : o.languages) {
      o.test.trials.push_back(data::toy_world_trials(o.toy_world, "familiar", "test", lang));
      o.test.trials.push_back(data::toy_world_trials(o.toy_world, "me", "test", lang));
    }
}

namespace {

// What a missing input of a paper recipe means: data not prepared yet. Says so, and where to look.
void require_prepared(const std::string& path, const std::string& key) {
  if (!path.empty() && !fs::exists(path))
    throw Error(key + ": " + path + " does not exist: prepare the data as docs/data.md describes (or train on the "
                "toy world: recipes/toy/me_bilingual.yaml)");
}

std::vector<data::AudioItem> audio_in_languages(const std::vector<data::AudioItem>& audio,
                                               const std::vector<std::string>& languages) {
  std::vector<data::AudioItem> kept;
  for (const auto& item : audio)
    if (std::find(languages.begin(), languages.end(), item.lang) != languages.end()) kept.push_back(item);
  return kept;
}

std::unique_ptr<FeatureBank> bank(const TwoTowerOptions& o, bool audio, const std::string& manifest) {
  return open_feature_bank(o.extraction, audio ? o.audio_backbone : o.image_backbone, audio ? o.audio_layers : o.image_layers,
                           manifest, o.features);
}

// Moves the items `bank` has no features for out of `items` into `left_out`.
template <typename Item>
void leave_out_items_without_features(std::vector<Item>& items, const FeatureBank& bank, std::set<std::string>& left_out) {
  std::vector<Item> kept;
  for (auto& item : items) {
    if (bank.contains(item.id)) kept.push_back(std::move(item));
    else left_out.insert(item.id);
  }
  items = std::move(kept);
}

// Under `error` a missing item is a stale or foreign feature store; under `skip` it is a bad file
// that extraction left out, and the split goes on without it.
void leave_out_items_without_features(SplitData& data, data::BadItemPolicy policy, const std::string& name) {
  leave_out_items_without_features(data.audio, *data.audio_features, data.left_out_audio);
  leave_out_items_without_features(data.images, *data.image_features, data.left_out_images);
  if (data.left_out_audio.empty() && data.left_out_images.empty()) return;
  const std::string first = !data.left_out_audio.empty() ? *data.left_out_audio.begin() : *data.left_out_images.begin();
  if (policy == data::BadItemPolicy::error)
    throw Error(name + ": item '" + first + "' has no features (its file was bad when they were extracted?); fix the "
                "file and extract again, or set data.on_bad_item: skip to leave such items out");
  if (data.audio.empty() || data.images.empty())
    throw Error(name + ": no " + (data.audio.empty() ? "audio item" : "image") + " has features");
  log::warn("[data] ", name, ": left out ", data.left_out_audio.size(), " audio items and ", data.left_out_images.size(),
            " images without features (data.on_bad_item: skip); first: '", first, "'");
}

void require_prepared(const Split& split, const std::string& name) {
  require_prepared(split.audio_manifest, "splits." + name + "_audio");
  require_prepared(split.image_manifest, "splits." + name + "_images");
  for (const auto& trials : split.trials) require_prepared(trials, "splits." + name + "_trials");
}

}  // namespace

void require_prepared(const TwoTowerOptions& o) {
  require_prepared(o.train, "train");
  require_prepared(o.valid, "valid");
  require_prepared(o.test, "test");
  require_prepared(o.valid_draws, "splits.valid_draws");
  require_prepared(o.audio_backbone.weights, "audio_backbone.weights");
  require_prepared(o.image_backbone.weights, "image_backbone.weights");
}

SplitData load_split(const TwoTowerOptions& o, const Split& split, const std::string& name) {
  if (split.audio_manifest.empty() || split.image_manifest.empty())
    throw Error("splits." + name + "_audio / splits." + name + "_images are not set: nothing to load for " + name);
  require_prepared(split, name);
  SplitData data;
  // Read once: the items in the run's languages are trained on; trial lists may name any of them.
  const std::vector<data::AudioItem> all_audio = data::read_audio_manifest(split.audio_manifest);
  data.audio = audio_in_languages(all_audio, o.languages);
  if (data.audio.empty())
    throw Error(split.audio_manifest + ": no " + name + " audio in the languages " + core::join(o.languages, ", "));
  data.images = data::read_image_manifest(split.image_manifest);
  log::info("[data] ", name, ": ", data.audio.size(), " audio items, ", data.images.size(), " images");
  data.audio_features = bank(o, true, split.audio_manifest);
  data.image_features = bank(o, false, split.image_manifest);
  for (const auto& path : split.trials) {
    auto trials = data::read_trials(path);
    data::check_trials(trials, all_audio, data.images, path);
    data.trials.emplace_back(fs::path(path).stem().string(), std::move(trials));
  }
  leave_out_items_without_features(data, o.extraction.on_bad_item, name);
  for (auto& [list, trials] : data.trials)
    if (int64_t dropped = drop_trials_of_left_out_items(trials, data); dropped > 0)
      log::warn("[data] ", name, ": ", list, ": left out ", dropped, " trials naming items without features");
  return data;
}

int64_t drop_trials_of_left_out_items(std::vector<data::Trial>& trials, const SplitData& split) {
  const auto before = static_cast<int64_t>(trials.size());
  trials.erase(std::remove_if(trials.begin(), trials.end(),
                              [&](const data::Trial& t) {
                                return split.left_out_audio.count(t.audio) || split.left_out_images.count(t.positive) ||
                                       split.left_out_images.count(t.negative);
                              }),
               trials.end());
  return before - static_cast<int64_t>(trials.size());
}

}  // namespace vgs::train
