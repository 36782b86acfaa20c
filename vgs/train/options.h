// The recipe keys of the training loop (train.*, debug.*) and their typed form: what the trainer
// needs whatever model family it trains (the family's own keys are its task's: two_tower_options.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "vgs/core/choices.h"
#include "vgs/nn/precision.h"
#include "vgs/train/schedule.h"

namespace vgs::core {
class Schema;
class Config;
}  // namespace vgs::core

namespace vgs::train {

// adam: L2 weight decay added to the gradient (me-vgs); adamw: decoupled weight decay.
enum class OptimizerKind { adam, adamw };
const core::Choices<OptimizerKind>& optimizer_kinds();

struct TrainerOptions {
  std::string run_dir, run_name = "run";
  uint64_t seed = 0;
  int64_t epochs = 24, batch_size = 60;
  OptimizerKind optimizer = OptimizerKind::adam;
  Schedule schedule;  // warmup/total steps filled in once the data size is known
  double warmup_epochs = 4, weight_decay = 5e-7, grad_clip = 0;
  int64_t max_bad_steps = 5, keep_checkpoints = 5, log_every = 10, threads = 0;
  int64_t checkpoint_every_steps = 0;  // 0: at the end of each epoch only
  std::string select_metric = "valid/loss";
  bool test_every_epoch = true;  // test trials scored after every epoch too (curves only)
  bool evaluate_before_training = true;  // validation (and test curves) at epoch 0, as me-vgs logs them
  std::string device = "auto";   // auto, cpu, cuda or cuda:N
  nn::Precision precision = nn::Precision::fp32;  // the training forward pass: exact, or bf16 autocast
  // Data parallelism: how long a rank waits for the others (rendezvous, every collective) before it
  // stops with an error naming itself, instead of hanging.
  int64_t dist_timeout_seconds = 300;
  // Fault injection for the crash-recovery tests (debug.*): never set in a real recipe.
  int64_t debug_kill_at_step = 0;            // SIGKILL the process after this global step
  int64_t debug_kill_rank = -1;              // ... on this rank only (-1: every rank)
  int64_t debug_term_at_step = 0;            // SIGTERM it (the handler checkpoints and stops)
  std::vector<int64_t> debug_nan_at_steps;   // make the loss NaN at these global steps
};

void add_trainer_options(core::Schema& schema);
TrainerOptions trainer_options(const core::Config& config);

}  // namespace vgs::train
