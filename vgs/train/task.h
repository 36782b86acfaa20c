// What a model family gives the trainer: a task owns its data, its model and its loss, and answers
// the loop's questions (how many steps an epoch has, the loss of step (epoch, step), what to validate
// and test). The trainer owns everything else: optimizer, schedule, checkpoints, logs, signals. A new
// model family is a new Task, never an edit of the trainer (docs/architecture.md lists what it provides).
#pragma once

#include <c10/core/Device.h>
#include <torch/nn/module.h>

#include <cstdint>
#include <map>
#include <string>

#include "vgs/losses/loss.h"

namespace vgs::dist {
class Group;
}  // namespace vgs::dist

namespace vgs::train {

using Metrics = std::map<std::string, double>;

// One training step's loss and what the logs report about it.
struct StepLoss {
  losses::LossOutput loss;
  int64_t items = 0;          // examples in the step (throughput)
  double data_seconds = 0;    // time spent sampling and collating the batch
};

// The mean over items of per-batch mean losses, as ignite's Loss metric computes it in me-vgs: a
// batch counts by its items, so a short last batch counts for what it holds.
class ItemMean {
 public:
  void add(const StepLoss& batch);
  double value() const;  // NaN before any item

 private:
  double weighted_sum_ = 0;
  int64_t items_ = 0;
};

class Task {
 public:
  virtual ~Task() = default;

  // Reads the manifests and opens the features (extracting them on first use).
  virtual void load_data() = 0;
  // Builds the model on `device`. The trainer seeds torch's generator with run.seed just before, so
  // that initialisation does not depend on what loading the data drew.
  virtual void build_model(const c10::Device& device) = 0;
  virtual std::string describe() const = 0;  // "two-tower model", for the log
  virtual torch::nn::Module& model() = 0;    // what the optimizer trains and checkpoints hold

  // Data parallelism: called before build_model when the job has several ranks. From then on
  // step_loss returns this rank's share of the global batch's loss, scaled so that the mean over
  // ranks (what the trainer's gradient all-reduce computes) is the loss of the whole batch. A task
  // that ignores the group stays correct (every rank computes the whole batch), just not faster.
  virtual void use_group(dist::Group* group) { (void)group; }

  virtual int64_t steps_per_epoch() const = 0;
  // The loss of step `step` of epoch `epoch` (train mode, graph attached). Batches must be a pure
  // function of (seed, epoch, step), so that a resumed run draws what the uninterrupted one would.
  virtual StepLoss step_loss(int64_t epoch, int64_t step) = 0;
  // After each optimizer step (e.g. clamping a learnable temperature).
  virtual void after_optimizer_step() {}
  // Values logged with the training loss (e.g. "train/scale").
  virtual Metrics step_metrics() const { return {}; }

  // Model-selection metrics after an epoch ("valid/loss", ...); empty without validation data.
  virtual Metrics validate() = 0;
  virtual bool has_test() const = 0;
  // Test figures ("test/..."): after each epoch for the curves and at the best checkpoint at the end.
  virtual Metrics test() = 0;
};

}  // namespace vgs::train
