// The two-tower trainer: data and cached features, model, optimizer and schedule, the loop with
// validation, checkpoints, logs (metrics.jsonl, TensorBoard) and signal handling. The loop reads
// like a table of contents; the details live in the named methods.
#pragma once

#include <torch/optim/optimizer.h>

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "vgs/data/manifest.h"
#include "vgs/data/trials.h"
#include "vgs/io/metrics_log.h"
#include "vgs/io/tensorboard.h"
#include "vgs/losses/loss.h"
#include "vgs/models/two_tower.h"
#include "vgs/train/checkpoint.h"
#include "vgs/train/feature_bank.h"
#include "vgs/train/options.h"
#include "vgs/train/sampler.h"

namespace vgs::train {

// Set by SIGTERM / SIGUSR1 (what Slurm sends before a time limit): checkpoint, then stop.
std::atomic<bool>& stop_requested();
void install_stop_signals();

// When splits.toy_world is set: makes the toy world there if missing and fills the splits the recipe
// leaves unset with its manifests and trial lists (evaluation reads a run's data the same way).
void use_toy_world(TrainOptions& options);

struct TrainResult {
  std::string run_dir;
  bool finished = false;                  // false: stopped by a signal (resume with --resume)
  std::map<std::string, double> valid;    // last validation metrics
  std::map<std::string, double> test;     // test accuracies, at the best checkpoint
  int64_t steps = 0, skipped_steps = 0;
  double items_per_second = 0;
};

class Trainer {
 public:
  Trainer(TrainOptions options, std::string config_yaml);
  ~Trainer();
  // Runs (or, when `resume`, continues) the training; vgs::Error on bad data or a diverged run.
  TrainResult run(bool resume);

 private:
  struct SplitData;
  void prepare_data();
  std::unique_ptr<SplitData> load_split(const Split& split, const std::string& name);
  void build_model();
  double train_step(const TrainBatch& batch);
  std::map<std::string, double> validate();
  std::map<std::string, double> score(const SplitData& split, const std::string& prefix);
  void save(bool is_best);
  TrainResult finished_result() const;
  bool better(double metric) const;
  losses::LossOutput batch_loss(const TrainBatch& batch, const SplitData& split);

  TrainOptions o_;
  std::string config_yaml_;
  c10::Device device_{c10::kCPU};
  std::unique_ptr<SplitData> train_, valid_, test_;
  std::unique_ptr<PairedSampler> sampler_, valid_sampler_;
  models::TwoTower model_{nullptr};
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  TrainingProgress progress_;
  std::unique_ptr<io::MetricsLog> metrics_;
  std::unique_ptr<io::TensorBoardWriter> tensorboard_;
  int64_t steps_per_epoch_ = 0;
  int64_t consecutive_bad_ = 0;
  double data_seconds_ = 0;  // batch sampling and feature collation since the last log line
};

}  // namespace vgs::train
