// Trainer hooks: what happens around the loop without being the loop. The standard ones write
// metrics.jsonl and TensorBoard, checkpoint (every N steps, every epoch, on a stop), show progress,
// turn SIGTERM/SIGUSR1 into a checkpoint-and-stop, and inject faults for the crash tests. A hook
// runs on every call in the order hooks were added; a data-parallel trainer attaches the logging
// ones on rank 0 only and adds its barriers as hooks.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "vgs/losses/loss.h"
#include "vgs/train/options.h"

namespace vgs::train {

class Trainer;
using Metrics = std::map<std::string, double>;

// One optimizer step as the hooks see it (progress already counts it).
struct StepReport {
  double loss = 0;  // NaN or Inf when the step was skipped
  double lr = 0;
  int64_t items = 0;
  double seconds = 0, data_seconds = 0;
};

// The end of an epoch: validation (and test-curve) metrics, and whether this is the best so far.
struct EpochReport {
  Metrics metrics;
  bool is_best = false;
};

struct TrainResult {
  std::string run_dir;
  bool finished = false;   // false: stopped by a signal (resume with --resume)
  Metrics valid;           // last validation metrics
  Metrics test;            // test accuracies, at the best checkpoint
  int64_t steps = 0, skipped_steps = 0;
  double items_per_second = 0;
};

class TrainerHook {
 public:
  virtual ~TrainerHook() = default;
  virtual void on_start(Trainer&) {}                            // before the first step of this process
  virtual void before_training(Trainer&, const EpochReport&) {} // epoch 0: the untrained model's metrics
  virtual void before_epoch(Trainer&) {}                        // also when an epoch resumes mid-way
  virtual void on_loss(Trainer&, losses::LossOutput&) {}         // before backward
  virtual void after_step(Trainer&, const StepReport&) {}
  virtual void after_epoch(Trainer&, const EpochReport&) {}     // validation done, progress at the new epoch
  virtual void on_stop(Trainer&) {}                             // a stop was requested; the loop ends
  virtual void on_finish(Trainer&, const TrainResult&) {}       // every epoch done, test scored
};

// Set by SIGTERM / SIGUSR1 (what Slurm sends before a time limit) and the first SIGINT (Ctrl-C):
// checkpoint, then stop. A second SIGINT ends the process at once.
std::atomic<bool>& stop_requested();
void install_stop_signals();

// In order: logging (metrics.jsonl, TensorBoard), fault injection (debug.*), checkpoints, stop
// signals, progress. The other ranks of a data-parallel job (`main` false) write nothing: they get
// fault injection and stop signals only.
std::vector<std::unique_ptr<TrainerHook>> standard_hooks(bool main = true);

}  // namespace vgs::train
