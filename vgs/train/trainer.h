// The trainer: one loop for every model family. It owns the optimizer, the schedule, the run folder,
// checkpoints and resume; the model family comes in as a Task (task.h), and logging, TensorBoard,
// checkpoint policy, progress, stop signals and fault injection hang on hooks (hooks.h). run() reads
// as the phases: start or resume, then epochs of steps, each ended by validation, then finish.
#pragma once

#include <torch/optim/optimizer.h>

#include <memory>
#include <string>
#include <vector>

#include "vgs/dist/world.h"
#include "vgs/train/checkpoint.h"
#include "vgs/train/hooks.h"
#include "vgs/train/options.h"
#include "vgs/train/run.h"
#include "vgs/train/task.h"

namespace vgs::dist {
class Group;
}  // namespace vgs::dist

namespace vgs::train {

// With several ranks (dist/world.h: vgs-launch, srun, torchrun) every rank runs the same loop on its
// share of each batch, gradients are averaged over ranks, and rank 0 alone writes the run folder.
class Trainer {
 public:
  // The standard hooks (hooks.h: standard_hooks) are attached; add_hook appends more.
  Trainer(TrainerOptions options, std::unique_ptr<Task> task, std::string config_yaml);
  ~Trainer();
  void add_hook(std::unique_ptr<TrainerHook> hook);

  // Runs (or, when `resume`, continues) the training; vgs::Error on bad data or a diverged run.
  TrainResult run(bool resume);

  // What hooks read and ask for.
  const TrainerOptions& options() const { return o_; }
  const TrainingProgress& progress() const { return progress_; }
  const RunFolder& run_folder() const { return run_; }
  Task& task() { return *task_; }
  int64_t steps_per_epoch() const { return steps_per_epoch_; }
  double items_per_second() const;  // over the steps of this process
  void save_checkpoint(bool is_best);
  void request_stop() { stop_ = true; }  // the loop stops after the current step
  // Rank 0 (or the only process): the one that writes the run folder and logs.
  bool is_main() const { return world_.rank == 0; }
  int rank() const { return world_.rank; }

 private:
  // The phases.
  void start(bool resume);
  void evaluate_before_training();
  bool run_epoch();  // false when a stop was requested
  StepReport step();
  void end_epoch();
  TrainResult finish();
  TrainResult stopped();
  TrainResult finished_result() const;

  void join_group();
  void load_data();
  void broadcast_parameters();
  void average_gradients();
  void wait_for_others();
  void seed_step();
  void build_optimizer();
  double optimize(losses::LossOutput& loss);
  bool better(double metric) const;
  template <typename Call>
  void each_hook(Call call) {
    for (auto& hook : hooks_) call(*hook);
  }

  TrainerOptions o_;
  dist::WorldInfo world_;
  std::unique_ptr<dist::Group> group_;  // null for one process
  std::unique_ptr<Task> task_;
  std::string config_yaml_;
  RunFolder run_;
  std::unique_ptr<RunLock> lock_;
  c10::Device device_{c10::kCPU};
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  std::vector<std::unique_ptr<TrainerHook>> hooks_;
  TrainingProgress progress_;
  int64_t steps_per_epoch_ = 0, consecutive_bad_ = 0;
  int64_t items_done_ = 0;
  double step_seconds_ = 0;
  bool stop_ = false;
};

}  // namespace vgs::train
