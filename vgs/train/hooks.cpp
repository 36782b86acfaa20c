// The standard trainer hooks (see hooks.h).
#include "vgs/train/hooks.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <csignal>
#include <limits>

#include "vgs/core/log.h"
#include "vgs/core/progress.h"
#include "vgs/io/metrics_log.h"
#include "vgs/io/tensorboard.h"
#include "vgs/train/trainer.h"

namespace vgs::train {

std::atomic<bool>& stop_requested() {
  static std::atomic<bool> flag{false};
  return flag;
}

void install_stop_signals() {
  auto handler = [](int) { stop_requested().store(true); };
  std::signal(SIGTERM, handler);
  std::signal(SIGUSR1, handler);
  // Ctrl-C checkpoints and stops like SIGTERM; a second Ctrl-C stops at once (the default action).
  std::signal(SIGINT, [](int) {
    if (stop_requested().exchange(true)) {
      std::signal(SIGINT, SIG_DFL);
      std::raise(SIGINT);
    }
  });
}

namespace {

// Training values every train.log_every steps, validation metrics every epoch and the final test
// figures, to metrics.jsonl and TensorBoard alike.
class LoggingHook : public TrainerHook {
 public:
  void on_start(Trainer& t) override {
    io::drop_metrics_after(t.run_folder().metrics_log(), t.progress().global_step);  // steps the resume redoes
    metrics_ = std::make_unique<io::MetricsLog>(t.run_folder().metrics_log());
    tensorboard_ = std::make_unique<io::TensorBoardWriter>(t.run_folder().tensorboard());
  }
  void after_step(Trainer& t, const StepReport& r) override {
    data_seconds_ += r.data_seconds;
    const auto& p = t.progress();
    if (p.global_step % t.options().log_every != 0) return;
    Metrics values{{"train/loss", r.loss},
                   {"train/lr", r.lr},
                   {"train/items_per_second", t.items_per_second()},
                   {"train/data_wait_ms", 1000 * data_seconds_ / static_cast<double>(t.options().log_every)}};
    for (const auto& [name, value] : t.task().step_metrics()) values[name] = value;
    data_seconds_ = 0;
    write(t, "train", values);
  }
  void before_training(Trainer& t, const EpochReport& r) override { write(t, "valid", r.metrics); }
  void after_epoch(Trainer& t, const EpochReport& r) override {
    write(t, "valid", r.metrics);
    tensorboard_->flush();
  }
  void on_stop(Trainer&) override { tensorboard_->flush(); }
  void on_finish(Trainer& t, const TrainResult& r) override {
    if (t.task().has_test()) metrics_->write("test", t.progress().global_step, t.progress().epoch, r.test);
    tensorboard_->flush();
  }

 private:
  void write(Trainer& t, const std::string& kind, const Metrics& values) {
    metrics_->write(kind, t.progress().global_step, t.progress().epoch, values);
    tensorboard_->add_scalars(values, t.progress().global_step);
  }

  std::unique_ptr<io::MetricsLog> metrics_;
  std::unique_ptr<io::TensorBoardWriter> tensorboard_;
  double data_seconds_ = 0;  // batch sampling and collation since the last log line
};

// debug.nan_at_steps, debug.kill_at_step, debug.term_at_step: the faults the crash tests need.
class FaultInjectionHook : public TrainerHook {
 public:
  void on_loss(Trainer& t, losses::LossOutput& loss) override {
    const auto& steps = t.options().debug_nan_at_steps;
    if (std::find(steps.begin(), steps.end(), t.progress().global_step + 1) != steps.end())
      loss.total = loss.total * std::numeric_limits<double>::quiet_NaN();
  }
  void after_step(Trainer& t, const StepReport&) override {
    const int64_t step = t.progress().global_step;
    const int64_t victim = t.options().debug_kill_rank;
    if (step == t.options().debug_kill_at_step && (victim < 0 || victim == t.rank())) std::raise(SIGKILL);  // a crash
    if (step == t.options().debug_term_at_step) std::raise(SIGTERM);  // Slurm's warning
  }
};

// Checkpoints every train.checkpoint_every_steps inside an epoch (a killed run loses at most that
// many steps), at the end of every epoch (with `best` when it is), and when a stop is requested.
class CheckpointHook : public TrainerHook {
 public:
  void after_step(Trainer& t, const StepReport&) override {
    const auto& p = t.progress();
    const int64_t every = t.options().checkpoint_every_steps;
    if (every > 0 && p.global_step % every == 0 && p.step_in_epoch < t.steps_per_epoch()) t.save_checkpoint(false);
  }
  void after_epoch(Trainer& t, const EpochReport& r) override { t.save_checkpoint(r.is_best); }
  void on_stop(Trainer& t) override { t.save_checkpoint(false); }
};

// SIGTERM, SIGUSR1 and a first SIGINT become a stop after the current step (the checkpoint hook saves it).
class StopSignalHook : public TrainerHook {
 public:
  void on_start(Trainer&) override { install_stop_signals(); }
  void after_step(Trainer& t, const StepReport&) override {
    if (stop_requested()) t.request_stop();
  }
  void on_stop(Trainer& t) override {
    log::warn("[train] stop requested: checkpoint saved at step ", t.progress().global_step, "; continue with --resume");
  }
};

// A progress bar per epoch and one log line with its metrics.
class ProgressHook : public TrainerHook {
 public:
  static std::string summary(const EpochReport& r) {
    std::string text;
    for (const auto& [k, v] : r.metrics) text += " " + k + "=" + std::to_string(v);
    return text;
  }
  void before_epoch(Trainer& t) override {
    const auto& p = t.progress();
    bar_ = std::make_unique<core::Progress>(
        "[train] epoch " + std::to_string(p.epoch + 1) + "/" + std::to_string(t.options().epochs),
        t.steps_per_epoch() - p.step_in_epoch, "steps");
  }
  void after_step(Trainer& t, const StepReport&) override {
    bar_->advance();
    if (t.progress().step_in_epoch == t.steps_per_epoch()) bar_->finish();
  }
  void before_training(Trainer& t, const EpochReport& r) override {
    log::info("[train] epoch 0/", t.options().epochs, " (before training):", summary(r));
  }
  void after_epoch(Trainer& t, const EpochReport& r) override {
    log::info("[train] epoch ", t.progress().epoch, "/", t.options().epochs, ":", summary(r), r.is_best ? " (best)" : "");
  }

 private:
  std::unique_ptr<core::Progress> bar_;
};

}  // namespace

std::vector<std::unique_ptr<TrainerHook>> standard_hooks(bool main) {
  std::vector<std::unique_ptr<TrainerHook>> hooks;
  if (main) hooks.push_back(std::make_unique<LoggingHook>());
  hooks.push_back(std::make_unique<FaultInjectionHook>());
  if (main) hooks.push_back(std::make_unique<CheckpointHook>());
  hooks.push_back(std::make_unique<StopSignalHook>());
  if (main) hooks.push_back(std::make_unique<ProgressHook>());
  return hooks;
}

}  // namespace vgs::train
