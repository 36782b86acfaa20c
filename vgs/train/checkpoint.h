// Checkpoints: everything a resume needs, in open formats. A checkpoint is a folder
//   checkpoints/step-NNNNNNNN/ model.safetensors      the model's parameters and buffers
//                              optimizer.safetensors  Adam moments per parameter, and the CPU RNG state
//                              state.json             progress, counters, metrics, the resolved recipe
// written under a temporary name and renamed (a folder on disk is always whole); `last` and `best`
// are symbolic links switched atomically; older step folders beyond keep-N are removed.
#pragma once

#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include <map>
#include <string>

namespace vgs::train {

class RunFolder;

struct TrainingProgress {
  int64_t epoch = 0;           // epoch to run next (or in progress)
  int64_t step_in_epoch = 0;   // steps of that epoch already done
  int64_t global_step = 0;     // optimizer steps done
  int64_t skipped_steps = 0;   // NaN/Inf steps skipped so far
  double best_metric = 0;
  bool has_best = false;
  std::map<std::string, double> metrics;  // latest validation metrics
  double epoch_loss_sum = 0;     // finite training losses of the epoch in progress, so that a resume
  int64_t epoch_loss_steps = 0;  // mid-epoch reports the whole epoch's mean
};

// Saves into RUN/checkpoints/step-<global_step>; points `last` at it, and `best` when
// `is_best`. Returns the folder.
std::string save_checkpoint(const RunFolder& run, torch::nn::Module& model, torch::optim::Optimizer& optimizer,
                            const TrainingProgress& progress, const std::string& config_yaml, bool is_best,
                            int64_t keep);

// Loads <run_dir>/checkpoints/last (or the folder given) into model and optimizer; vgs::Error
// naming the file for anything missing or inconsistent.
TrainingProgress load_checkpoint(const std::string& checkpoint_dir, torch::nn::Module& model,
                                 torch::optim::Optimizer& optimizer);

// Only the model's weights of a checkpoint folder (evaluation); vgs::Error as load_checkpoint.
void load_model_weights(const std::string& checkpoint_dir, torch::nn::Module& model);


}  // namespace vgs::train
