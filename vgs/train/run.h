// The run module: the one place that knows a run folder's layout, opens a run for evaluation, and
// loads a split (manifests, feature banks, trial lists) for the trainer and the evaluator alike.
//
//   RUN/config.yaml                the resolved recipe (vgs-train --resume and vgs-eval read it)
//   RUN/checkpoints/step-NNNNNNNN/ checkpoints (train/checkpoint.h); `last` and `best` link to them
//   RUN/metrics.jsonl              every logged measurement (io/metrics_log.h)
//   RUN/tensorboard/               the same as TensorBoard event files
//   RUN/results.json               the figures of a finished run
//   RUN/eval/                      vgs-eval's reports for this run alone
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "vgs/core/fs.h"
#include "vgs/data/manifest.h"
#include "vgs/data/trials.h"
#include "vgs/train/feature_bank.h"
#include "vgs/train/two_tower_options.h"

namespace vgs::train {

class RunFolder {
 public:
  explicit RunFolder(std::string dir) : dir_(std::move(dir)) {}
  // An existing run, for evaluation or --resume: vgs::Error when `dir` holds no config.yaml.
  static RunFolder open(const std::string& dir);

  const std::string& dir() const { return dir_; }
  std::string config() const;
  std::string checkpoints() const;
  std::string link(const std::string& which) const;  // checkpoints/last or checkpoints/best
  std::string metrics_log() const;
  std::string tensorboard() const;
  std::string results() const;
  std::string eval_dir() const;

  std::string last_checkpoint() const;  // the `last` link, or "" when there is none
  // What --resume continues from: `last` when it points at a whole checkpoint, else the newest whole
  // step folder (a crash while `last` was switched), said in the log; "" when there is none.
  std::string resume_checkpoint() const;
  // True when the folder holds a vgs run (config.yaml or checkpoints/).
  bool is_run() const;
  // vgs::Error when a new run would write into a folder that is neither empty nor a vgs run.
  void require_new_run_fits() const;
  // Removes what a crash left half-written: *.tmp.* files and folders in the run and its checkpoints.
  void remove_leftovers() const;
  // The step folder behind `which` (best or last) for evaluation; vgs::Error saying why it is missing.
  std::string checkpoint_for_evaluation(const std::string& which) const;

 private:
  std::string dir_;
};

// One writer per run folder: an fcntl lock on RUN/.lock, which the OS releases when its holder ends
// (a killed run leaves no stale lock). Held for the lifetime of the object.
class RunLock {
 public:
  // vgs::Error naming the process that holds the folder when another one does.
  explicit RunLock(const RunFolder& run);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  core::FileLock lock_;
};

// True for a checkpoint folder with all its files (state.json, model and optimizer safetensors).
bool whole_checkpoint(const std::string& folder);
// True for the name of a step folder ("step-" and eight digits), never a temporary one.
bool is_step_folder_name(const std::string& name);

// The step folder a `last` or `best` link points at (the path itself when it is not a link), so that
// messages and reports name the checkpoint that stays, not the link that moves.
std::string step_folder(const std::string& checkpoint);

// One split's items in the run's languages, their feature banks and its trial lists (name, trials).
struct SplitData {
  std::vector<data::AudioItem> audio;
  std::vector<data::ImageItem> images;
  std::unique_ptr<FeatureBank> audio_features, image_features;
  std::vector<std::pair<std::string, std::vector<data::Trial>>> trials;
  // Items of the manifests that have no features (bad files, data.on_bad_item: skip): left out of
  // `audio` and `images`, and the trials that name them are left out too.
  std::set<std::string> left_out_audio, left_out_images;
};

// Removes the trials that name a left-out item; returns how many were removed.
int64_t drop_trials_of_left_out_items(std::vector<data::Trial>& trials, const SplitData& split);

// When splits.toy_world is set: makes the toy world there if missing and fills the splits the recipe
// leaves unset with its manifests and trial lists.
void use_toy_world(TwoTowerOptions& options);

// vgs::Error naming the recipe key of the first manifest, trial list or backbone weights file that
// does not exist (data not prepared), before any long work starts.
void require_prepared(const TwoTowerOptions& options);

// Loads split `name` ("train", "valid", "test"): vgs::Error naming the recipe key of a manifest that
// is not there (the data is not prepared), or when no audio is in the run's languages. Items without
// features (their files were bad when extracted) are an error naming the first under
// data.on_bad_item: error, and are left out, counted and logged under skip.
SplitData load_split(const TwoTowerOptions& options, const Split& split, const std::string& name);

}  // namespace vgs::train
