// The trainer's loop and phases (see trainer.h).
#include "vgs/train/trainer.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "vgs/core/error.h"
#include "vgs/core/fs.h"
#include "vgs/core/log.h"
#include "vgs/dist/group.h"
#include "vgs/nn/device.h"
#include "vgs/nn/autocast.h"

namespace fs = std::filesystem;

namespace vgs::train {

Trainer::Trainer(TrainerOptions options, std::unique_ptr<Task> task, std::string config_yaml)
    : o_(std::move(options)), world_(dist::world_from_environment()), task_(std::move(task)),
      config_yaml_(std::move(config_yaml)), run_(o_.run_dir), hooks_(standard_hooks(is_main())) {}

Trainer::~Trainer() = default;

void Trainer::add_hook(std::unique_ptr<TrainerHook> hook) { hooks_.push_back(std::move(hook)); }

TrainResult Trainer::run(bool resume) {
  start(resume);  // the run folder, data, model and optimizer; the checkpoint when resuming
  if (progress_.epoch >= o_.epochs) return finished_result();  // a --resume of a finished run
  // Only now, with the configuration checked against the checkpoint, is anything in the folder written.
  if (is_main()) core::write_file_atomic(run_.config(), config_yaml_);
  each_hook([&](TrainerHook& h) { h.on_start(*this); });
  if (progress_.global_step == 0 && o_.evaluate_before_training) evaluate_before_training();
  while (progress_.epoch < o_.epochs) {
    if (!run_epoch()) return stopped();
    end_epoch();  // validation, the best checkpoint, epoch logs
  }
  return finish();  // test figures at the best checkpoint, results.json
}

// ---- phases -----------------------------------------------------------------------------------------

void Trainer::start(bool resume) {
  if (o_.threads > 0) torch::set_num_threads(static_cast<int>(o_.threads));
  device_ = nn::resolve_device(o_.device, "train.device");
  join_group();
  if (is_main()) {
    if (!resume) run_.require_new_run_fits();
    lock_ = std::make_unique<RunLock>(run_);  // one writer per run folder, from here on
  }
  if (!resume && !run_.last_checkpoint().empty())
    throw Error(o_.run_dir + ": holds a run already; continue it with --resume or choose another run.name/run.dir");
  if (is_main()) run_.remove_leftovers();
  load_data();
  steps_per_epoch_ = task_->steps_per_epoch();
  o_.schedule.warmup_steps = static_cast<int64_t>(o_.warmup_epochs * static_cast<double>(steps_per_epoch_));
  o_.schedule.total_steps = o_.epochs * steps_per_epoch_;
  torch::manual_seed(o_.seed);
  task_->build_model(device_);
  broadcast_parameters();
  build_optimizer();
  if (resume) {
    const std::string checkpoint = run_.resume_checkpoint();
    if (checkpoint.empty()) throw Error(o_.run_dir + ": --resume, but there is no checkpoint in " + run_.checkpoints());
    progress_ = load_checkpoint(checkpoint, task_->model(), *optimizer_);
  }
}

// The untrained model's validation (and test-curve) figures at step 0, as me-vgs evaluates on
// Events.STARTED; logged, never a best-checkpoint candidate.
void Trainer::evaluate_before_training() {
  EpochReport report{task_->validate(), false};
  if (task_->has_test() && o_.test_every_epoch) {
    auto test = task_->test();
    report.metrics.insert(test.begin(), test.end());
  }
  each_hook([&](TrainerHook& h) { h.before_training(*this, report); });
}

bool Trainer::run_epoch() {
  each_hook([&](TrainerHook& h) { h.before_epoch(*this); });
  if (progress_.step_in_epoch == 0) progress_.epoch_loss_sum = 0, progress_.epoch_loss_steps = 0;
  while (progress_.step_in_epoch < steps_per_epoch_) {
    const StepReport report = step();
    each_hook([&](TrainerHook& h) { h.after_step(*this, report); });
    if (group_) stop_ = group_->any(stop_);  // a signal that reached one rank stops them all at this step
    if (stop_) return false;
  }
  return true;
}

StepReport Trainer::step() {
  StepReport r;
  r.lr = o_.schedule.lr(progress_.global_step);
  for (auto& group : optimizer_->param_groups()) group.options().set_lr(r.lr);
  const auto start = std::chrono::steady_clock::now();
  task_->model().train();
  if (group_) seed_step();
  optimizer_->zero_grad();
  StepLoss step = [&] {
    nn::AutocastGuard autocast(device_.type(), o_.precision);  // the forward only; backward follows its casts
    return task_->step_loss(progress_.epoch, progress_.step_in_epoch);
  }();
  each_hook([&](TrainerHook& h) { h.on_loss(*this, step.loss); });
  r.loss = optimize(step.loss);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.items = step.items;
  r.data_seconds = step.data_seconds;
  items_done_ += r.items;
  step_seconds_ += r.seconds;
  if (std::isfinite(r.loss)) progress_.epoch_loss_sum += r.loss, ++progress_.epoch_loss_steps;
  ++progress_.step_in_epoch;
  ++progress_.global_step;
  return r;
}

void Trainer::end_epoch() {
  ++progress_.epoch;
  progress_.step_in_epoch = 0;
  progress_.metrics = task_->validate();
  if (task_->has_test() && o_.test_every_epoch) {  // the ME curve over training, as me-vgs logs it
    auto test = task_->test();
    progress_.metrics.insert(test.begin(), test.end());
  }
  progress_.metrics["train/epoch_loss"] =
      progress_.epoch_loss_steps ? progress_.epoch_loss_sum / static_cast<double>(progress_.epoch_loss_steps) : NAN;
  EpochReport report{progress_.metrics, false};
  const auto metric = progress_.metrics.find(o_.select_metric);
  report.is_best = metric != progress_.metrics.end() && better(metric->second);
  if (report.is_best) progress_.best_metric = metric->second, progress_.has_best = true;
  each_hook([&](TrainerHook& h) { h.after_epoch(*this, report); });
  wait_for_others();  // rank 0's checkpoint is whole before any rank reads it
}

TrainResult Trainer::finish() {
  TrainResult r;
  r.run_dir = o_.run_dir;
  r.finished = true;
  for (const auto& [name, value] : progress_.metrics)  // the last epoch's test scores are curves, not results
    if (name.rfind("test/", 0) != 0) r.valid[name] = value;
  r.steps = progress_.global_step;
  r.skipped_steps = progress_.skipped_steps;
  r.items_per_second = items_per_second();
  if (task_->has_test()) {
    // The paper reports test accuracy at the epoch of lowest validation loss.
    if (fs::exists(run_.link("best"))) load_model_weights(run_.link("best"), task_->model());
    r.test = task_->test();
  }
  each_hook([&](TrainerHook& h) { h.on_finish(*this, r); });
  nlohmann::json results = {{"valid", r.valid}, {"test", r.test}, {"steps", r.steps},
                            {"skipped_steps", r.skipped_steps}, {"items_per_second", r.items_per_second}};
  if (is_main()) core::write_file_atomic(run_.results(), results.dump(1) + "\n");
  return r;
}

TrainResult Trainer::stopped() {
  each_hook([&](TrainerHook& h) { h.on_stop(*this); });
  wait_for_others();  // no rank exits before rank 0's checkpoint is in place
  TrainResult r;
  r.run_dir = o_.run_dir;
  r.steps = progress_.global_step;
  return r;
}

// ---- details ----------------------------------------------------------------------------------------

void Trainer::join_group() {
  if (!world_.distributed()) return;
  if (device_.is_cuda()) device_ = c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(world_.local_rank));
  group_ = std::make_unique<dist::Group>(world_, device_, std::chrono::seconds(o_.dist_timeout_seconds));
  task_->use_group(group_.get());
}

// Rank 0 loads (and on first use extracts) the features first; the others then read the finished
// stores instead of extracting the same files at once.
void Trainer::load_data() {
  if (!group_) return task_->load_data();
  group_->main_first("data", [&] { task_->load_data(); });
}

void Trainer::broadcast_parameters() {
  if (!group_) return;
  torch::NoGradGuard no_grad;
  for (auto& p : task_->model().parameters()) group_->broadcast_(p);
  for (auto& b : task_->model().buffers()) group_->broadcast_(b);
}

// One all-reduce over every trainable gradient, flattened (frozen parameters have none), then / W.
void Trainer::average_gradients() {
  std::vector<at::Tensor> grads;
  for (auto& p : task_->model().parameters()) {
    if (!p.requires_grad()) continue;
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);  // this rank's batch did not reach it
    grads.push_back(p.grad());
  }
  if (grads.empty()) return;
  std::vector<at::Tensor> flat;
  for (const auto& g : grads) flat.push_back(g.reshape({-1}));
  at::Tensor bucket = torch::cat(flat);
  group_->all_reduce_sum_(bucket);
  bucket.div_(static_cast<double>(group_->size()));
  int64_t offset = 0;
  for (auto& g : grads) {
    g.copy_(bucket.narrow(0, offset, g.numel()).view_as(g));
    offset += g.numel();
  }
}

// With several ranks, dropout draws from a generator seeded by (run.seed, rank, step): ranks draw
// different masks, and a resumed run draws what the uninterrupted one did without any rank's
// generator state in the checkpoint (which rank 0 alone writes). One process keeps the saved state.
void Trainer::seed_step() {
  uint64_t seed = o_.seed * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(world_.rank) * 0xBF58476D1CE4E5B9ULL +
                  static_cast<uint64_t>(progress_.global_step);
  seed ^= seed >> 31;
  torch::manual_seed(seed);
}

void Trainer::wait_for_others() {
  if (group_) group_->barrier();
}

void Trainer::build_optimizer() {
  auto parameters = task_->model().parameters();
  if (o_.optimizer == OptimizerKind::adamw)
    optimizer_ = std::make_unique<torch::optim::AdamW>(
        parameters, torch::optim::AdamWOptions(o_.schedule.peak_lr).weight_decay(o_.weight_decay));
  else
    optimizer_ = std::make_unique<torch::optim::Adam>(
        parameters, torch::optim::AdamOptions(o_.schedule.peak_lr).weight_decay(o_.weight_decay));
  int64_t count = 0;
  for (const auto& p : parameters) count += p.numel();
  log::info("[train] ", task_->describe(), ": ", count, " parameters on ", device_.str());
}

// Backward and optimizer step; a NaN or Inf loss or gradient skips the step, and too many in a row
// stop the run. Returns the loss.
double Trainer::optimize(losses::LossOutput& loss) {
  double value = loss.total.item<double>();
  if (group_) value = group_->mean(value);  // the job's loss, so that every rank takes the same decision
  bool finite = std::isfinite(value);
  auto parameters = task_->model().parameters();
  if (finite) {
    if (loss.total.requires_grad()) loss.total.backward();
    if (group_) average_gradients();
    finite = std::isfinite(torch::nn::utils::clip_grad_norm_(parameters, o_.grad_clip > 0 ? o_.grad_clip : 1e30));
  }
  if (finite) {
    consecutive_bad_ = 0;
    optimizer_->step();
    task_->after_optimizer_step();
    return value;
  }
  ++progress_.skipped_steps;
  ++consecutive_bad_;
  log::warn("[train] step ", progress_.global_step + 1, ": non-finite loss or gradient, step skipped (", consecutive_bad_,
            " in a row)");
  if (consecutive_bad_ >= o_.max_bad_steps) {
    const std::string last = step_folder(run_.last_checkpoint());
    throw Error("training diverged: " + std::to_string(consecutive_bad_) + " non-finite steps in a row at step " +
                std::to_string(progress_.global_step + 1) + "; last good checkpoint: " + (last.empty() ? "none" : last));
  }
  optimizer_->zero_grad();
  return value;
}

bool Trainer::better(double metric) const {
  if (!progress_.has_best) return true;
  const bool lower = o_.select_metric.find("loss") != std::string::npos;
  return lower ? metric < progress_.best_metric : metric > progress_.best_metric;
}

void Trainer::save_checkpoint(bool is_best) {
  train::save_checkpoint(run_, task_->model(), *optimizer_, progress_, config_yaml_, is_best, o_.keep_checkpoints);
}

double Trainer::items_per_second() const { return static_cast<double>(items_done_) / std::max(step_seconds_, 1e-9); }

// A finished run's figures, from its results.json (a --resume of a finished run reports them again).
TrainResult Trainer::finished_result() const {
  const std::string path = run_.results();
  if (!fs::exists(path)) throw Error(o_.run_dir + ": all epochs are done but results.json is missing; delete the run to train again");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(core::read_file(path));
  } catch (const nlohmann::json::exception& e) {
    throw Error(path + ": unreadable (" + std::string(e.what()) + ")");
  }
  TrainResult r;
  r.run_dir = o_.run_dir;
  r.finished = true;
  r.valid = j.value("valid", Metrics{});
  r.test = j.value("test", Metrics{});
  r.steps = j.value("steps", int64_t{0});
  r.skipped_steps = j.value("skipped_steps", int64_t{0});
  r.items_per_second = j.value("items_per_second", 0.0);
  log::info("[train] ", o_.run_dir, " finished already: its results.json");
  return r;
}

}  // namespace vgs::train
