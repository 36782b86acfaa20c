// The recipe keys of the training loop and their typed form. Each key's default is the struct
// member's, so it is declared once.
#include "vgs/train/options.h"

#include "vgs/core/config.h"
#include "vgs/core/config_checks.h"
#include "vgs/core/run_options.h"
#include "vgs/core/schema.h"
#include "vgs/nn/device.h"

namespace vgs::train {

using core::Bounds;

const core::Choices<OptimizerKind>& optimizer_kinds() {
  static const core::Choices<OptimizerKind> choices{{OptimizerKind::adam, "adam"}, {OptimizerKind::adamw, "adamw"}};
  return choices;
}

namespace {

void add_optimisation_options(core::Schema& s, const TrainerOptions& d) {
  s.group("train", "Optimisation");
  s.add_int("train.epochs", d.epochs, "epochs (one epoch = one pass over the training audio)", Bounds::at_least(1));
  s.add_int("train.batch_size", d.batch_size, "items per step", Bounds::at_least(1));
  s.add_choice("train.optimizer", optimizer_kinds(), d.optimizer, "adam: L2 weight decay (me-vgs); adamw: decoupled");
  s.add_float("train.lr", d.schedule.peak_lr, "peak learning rate", Bounds::positive());
  s.add_float("train.min_lr", d.schedule.min_lr, "learning rate at the start of warmup and the end of the cosine",
              Bounds::non_negative());
  s.add_float("train.warmup_epochs", d.warmup_epochs, "linear warmup length in epochs", Bounds::non_negative());
  s.add_float("train.weight_decay", d.weight_decay, "weight decay", Bounds::non_negative());
  s.add_float("train.grad_clip", d.grad_clip, "clip the gradient norm to this (0: off)", Bounds::non_negative());
  s.add_int("train.max_bad_steps", d.max_bad_steps, "consecutive NaN/Inf steps (skipped) before the run stops",
            Bounds::at_least(1));
}

void add_run_control_options(core::Schema& s, const TrainerOptions& d) {
  s.add_int("train.keep_checkpoints", d.keep_checkpoints, "step checkpoints kept besides last and best", Bounds::at_least(1));
  s.add_int("train.log_every", d.log_every, "steps between training log lines and TensorBoard points", Bounds::at_least(1));
  s.add_int("train.threads", d.threads, "intra-op threads (0: LibTorch's default)", Bounds::at_least(0));
  s.add_int("train.checkpoint_every_steps", d.checkpoint_every_steps,
            "also checkpoint every N steps inside an epoch, so a killed run (node failure, SIGKILL) loses at most N "
            "steps (0: at the end of each epoch only)",
            Bounds::at_least(0));
  s.add_bool("train.evaluate_before_training", d.evaluate_before_training,
             "validate (and, with train.test_every_epoch, test) the untrained model: the epoch-0 point of the curves, "
             "as me-vgs logs it; never a best-checkpoint candidate");
  s.add_bool("train.test_every_epoch", d.test_every_epoch,
             "also score the test trials (familiar and ME) after every epoch, for the curves, as me-vgs logs them; "
             "they never choose the checkpoint");
  s.add_string("train.select_metric", d.select_metric, "metric that picks the best checkpoint (lower is better for *loss)");
  s.add_string("train.device", d.device, "where training runs: auto, cpu, cuda or cuda:N");
  s.add_choice("train.precision", nn::precisions(), d.precision,
               "fp32: exact (the default); bf16: the training steps' forward under bfloat16 autocast (matmuls in "
               "bf16; softmax, losses and the optimizer in fp32), for GPUs with bf16 units");
  s.add_int("train.dist_timeout_seconds", d.dist_timeout_seconds,
            "data parallel (vgs-launch, srun, torchrun): seconds a rank waits for the others before it stops with an "
            "error naming itself",
            Bounds::at_least(1));
}

void add_debug_options(core::Schema& s, const TrainerOptions& d) {
  s.group("debug", "Fault injection for testing crash recovery; leave unset in real recipes");
  s.add_int("debug.kill_at_step", d.debug_kill_at_step, "the process kills itself (SIGKILL) after this step (0: never)",
            Bounds::at_least(0));
  s.add_int("debug.kill_rank", d.debug_kill_rank,
            "data parallel: only this rank kills itself at debug.kill_at_step (-1: every rank)", Bounds::at_least(-1));
  s.add_int("debug.term_at_step", d.debug_term_at_step,
            "the process sends itself SIGTERM after this step, as Slurm does (0: never)", Bounds::at_least(0));
  s.add_int_list("debug.nan_at_steps", d.debug_nan_at_steps,
                 "steps (counted from 1) whose loss is replaced by NaN (checks that they are skipped)");
}

void read_optimisation_options(const core::Config& c, TrainerOptions& o) {
  o.epochs = c.get_int("train.epochs");
  o.batch_size = c.get_int("train.batch_size");
  o.optimizer = c.get_choice("train.optimizer", optimizer_kinds());
  o.schedule.peak_lr = c.get_float("train.lr");
  o.schedule.min_lr = c.get_float("train.min_lr");
  o.warmup_epochs = c.get_float("train.warmup_epochs");
  o.weight_decay = c.get_float("train.weight_decay");
  o.grad_clip = c.get_float("train.grad_clip");
  o.max_bad_steps = c.get_int("train.max_bad_steps");
}

void read_run_control_options(const core::Config& c, TrainerOptions& o) {
  o.keep_checkpoints = c.get_int("train.keep_checkpoints");
  o.log_every = c.get_int("train.log_every");
  o.threads = c.get_int("train.threads");
  o.checkpoint_every_steps = c.get_int("train.checkpoint_every_steps");
  o.select_metric = c.get_string("train.select_metric");
  o.test_every_epoch = c.get_bool("train.test_every_epoch");
  o.evaluate_before_training = c.get_bool("train.evaluate_before_training");
  o.device = nn::device_option(c, "train.device");
  o.dist_timeout_seconds = c.get_int("train.dist_timeout_seconds");
  o.precision = c.get_choice("train.precision", nn::precisions());
  o.debug_kill_at_step = c.get_int("debug.kill_at_step");
  o.debug_term_at_step = c.get_int("debug.term_at_step");
  o.debug_kill_rank = c.get_int("debug.kill_rank");
  o.debug_nan_at_steps = c.get_int_list("debug.nan_at_steps");
}

// Rules across the train.* keys, checked whenever a recipe loads: a schedule whose floor is above its
// peak, or whose warmup never ends, would train without saying anything is wrong.
void add_trainer_checks(core::Schema& s) {
  s.add_check([](const core::Config& c) {
    core::check_order(c, "train.min_lr", "train.lr", core::Order::at_most);
    core::check_order(c, "train.warmup_epochs", "train.epochs", core::Order::less);
  });
  nn::add_device_check(s, "train.device");
}

}  // namespace

void add_trainer_options(core::Schema& s) {
  const TrainerOptions d;
  add_optimisation_options(s, d);
  add_run_control_options(s, d);
  add_debug_options(s, d);
  add_trainer_checks(s);
}

TrainerOptions trainer_options(const core::Config& c) {
  TrainerOptions o;
  core::RunOptions run = core::run_options(c);
  o.run_dir = run.dir;
  o.run_name = run.name;
  o.seed = static_cast<uint64_t>(run.seed);
  read_optimisation_options(c, o);
  read_run_control_options(c, o);
  return o;
}

}  // namespace vgs::train
