// Checkpoints in safetensors + JSON, written atomically, with last/best links and keep-N.
#include "vgs/train/checkpoint.h"

#include <torch/torch.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>

#include "vgs/core/error.h"
#include "vgs/core/fs.h"
#include "vgs/core/log.h"
#include "vgs/io/safetensors.h"
#include "vgs/train/run.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace vgs::train {

namespace {

// Adam and AdamW keep the same per-parameter state; the step count is shared by all parameters.
struct Moments {
  at::Tensor exp_avg, exp_avg_sq;
  int64_t step = 0;
};

bool read_moments(torch::optim::Optimizer& optimizer, const at::Tensor& param, Moments& out) {
  auto& state = optimizer.state();
  auto it = state.find(param.unsafeGetTensorImpl());
  if (it == state.end()) return false;
  if (auto* adam = dynamic_cast<torch::optim::AdamParamState*>(it->second.get())) {
    out = {adam->exp_avg(), adam->exp_avg_sq(), adam->step()};
    return true;
  }
  if (auto* adamw = dynamic_cast<torch::optim::AdamWParamState*>(it->second.get())) {
    out = {adamw->exp_avg(), adamw->exp_avg_sq(), adamw->step()};
    return true;
  }
  return false;
}

void write_moments(torch::optim::Optimizer& optimizer, const at::Tensor& param, const Moments& m) {
  const bool adamw = dynamic_cast<torch::optim::AdamW*>(&optimizer) != nullptr;
  std::unique_ptr<torch::optim::OptimizerParamState> state;
  if (adamw) {
    auto s = std::make_unique<torch::optim::AdamWParamState>();
    s->step(m.step);
    s->exp_avg(m.exp_avg.clone());
    s->exp_avg_sq(m.exp_avg_sq.clone());
    state = std::move(s);
  } else {
    auto s = std::make_unique<torch::optim::AdamParamState>();
    s->step(m.step);
    s->exp_avg(m.exp_avg.clone());
    s->exp_avg_sq(m.exp_avg_sq.clone());
    state = std::move(s);
  }
  optimizer.state()[param.unsafeGetTensorImpl()] = std::move(state);
}

void point_link(const fs::path& link, const std::string& target) {
  fs::path temp = link.string() + ".tmp." + std::to_string(::getpid());
  fs::remove(temp);
  fs::create_directory_symlink(target, temp);
  fs::rename(temp, link);  // atomic replacement of the old link
}

// Renames the whole new folder onto `final_dir`. When a folder of that step exists already (a stop at an
// epoch's end saves the step again), the two are swapped in one atomic rename and the old one removed,
// so `last` never points at a folder that is not there.
void move_into_place(const fs::path& temp_dir, const fs::path& final_dir) {
  if (!fs::exists(final_dir)) {
    fs::rename(temp_dir, final_dir);
    return;
  }
  if (::renameat2(AT_FDCWD, temp_dir.c_str(), AT_FDCWD, final_dir.c_str(), RENAME_EXCHANGE) == 0) {
    fs::remove_all(temp_dir);  // now the old contents
    return;
  }
  if (errno != EINVAL && errno != ENOSYS)
    throw Error(final_dir.string() + ": cannot replace the checkpoint (" + std::strerror(errno) + ")");
  // A file system without atomic exchange: a crash between these two leaves `last` dangling, and
  // --resume then falls back to the newest whole checkpoint.
  fs::remove_all(final_dir);
  fs::rename(temp_dir, final_dir);
}

void remove_old_checkpoints(const fs::path& folder, int64_t keep) {
  std::vector<fs::path> steps;
  for (const auto& e : fs::directory_iterator(folder))
    if (e.is_directory() && !e.is_symlink() && is_step_folder_name(e.path().filename().string())) steps.push_back(e.path());
  std::sort(steps.begin(), steps.end());
  std::set<std::string> pinned;
  for (const char* link : {"last", "best"})
    if (fs::is_symlink(folder / link)) pinned.insert(fs::read_symlink(folder / link).filename().string());
  int64_t excess = static_cast<int64_t>(steps.size()) - keep;
  for (const auto& step : steps) {
    if (excess <= 0) break;
    if (pinned.count(step.filename().string())) continue;
    fs::remove_all(step);
    --excess;
  }
}

}  // namespace

namespace {
// Writes the model, the optimizer's moments and the progress into the (new, empty) folder `dir`.
void write_checkpoint_files(const fs::path& dir, torch::nn::Module& model, torch::optim::Optimizer& optimizer,
                            const TrainingProgress& p, const std::string& config_yaml) {
  io::StateDict weights, moments;
  int64_t adam_step = 0;
  for (const auto& item : model.named_parameters()) {
    weights[item.key()] = item.value().detach().cpu();
    Moments m;
    if (read_moments(optimizer, item.value(), m)) {
      moments[item.key() + ".exp_avg"] = m.exp_avg.cpu();
      moments[item.key() + ".exp_avg_sq"] = m.exp_avg_sq.cpu();
      adam_step = m.step;
    }
  }
  for (const auto& item : model.named_buffers()) weights[item.key()] = item.value().detach().cpu();
  // Dropout draws from the default CPU generator: its state makes a resumed run identical.
  moments["rng.cpu"] = at::detail::getDefaultCPUGenerator().get_state();
  io::write_safetensors((dir / "model.safetensors").string(), weights, {{"format", "pt"}});
  io::write_safetensors((dir / "optimizer.safetensors").string(), moments);

  json state = {{"epoch", p.epoch},
                {"step_in_epoch", p.step_in_epoch},
                {"global_step", p.global_step},
                {"skipped_steps", p.skipped_steps},
                {"adam_step", adam_step},
                {"has_best", p.has_best},
                {"best_metric", p.best_metric},
                {"metrics", p.metrics},
                {"epoch_loss_sum", p.epoch_loss_sum},
                {"epoch_loss_steps", p.epoch_loss_steps},
                {"lr", optimizer.param_groups().front().options().get_lr()},
                {"config", config_yaml}};
  core::write_file_atomic((dir / "state.json").string(), state.dump(1) + "\n");
}
}  // namespace

std::string save_checkpoint(const RunFolder& run, torch::nn::Module& model, torch::optim::Optimizer& optimizer,
                            const TrainingProgress& p, const std::string& config_yaml, bool is_best, int64_t keep) {
  torch::NoGradGuard no_grad;
  fs::path folder = run.checkpoints();
  fs::create_directories(folder);
  char name[32];
  std::snprintf(name, sizeof name, "step-%08lld", static_cast<long long>(p.global_step));
  fs::path final_dir = folder / name;
  fs::path temp_dir = folder / (std::string(name) + ".tmp." + std::to_string(::getpid()));
  fs::remove_all(temp_dir);
  fs::create_directories(temp_dir);
  try {
    write_checkpoint_files(temp_dir, model, optimizer, p, config_yaml);
  } catch (const Error& e) {
    // A full disk: the run stays resumable from its last whole checkpoint, and nothing half-written
    // stays behind to be taken for one.
    std::error_code ec;
    fs::remove_all(temp_dir, ec);
    const bool resumable = fs::exists(folder / "last", ec);
    throw Error(final_dir.string() + ": cannot save the checkpoint (" + e.what() + ")" +
                (resumable ? "; the last whole checkpoint is kept: vgs-train --resume " + run.dir() : ""));
  }

  move_into_place(temp_dir, final_dir);
  point_link(folder / "last", final_dir.filename().string());
  if (is_best) point_link(folder / "best", final_dir.filename().string());
  remove_old_checkpoints(folder, keep);
  return final_dir.string();
}

namespace {
// Copies the checkpoint's weights into the model's parameters (calling `also` on each) and buffers;
// vgs::Error for a missing tensor or another shape.
void copy_weights(const std::string& dir, const io::Checkpoint& weights, torch::nn::Module& model,
                  const std::function<void(const std::string&, at::Tensor&)>& also) {
  for (auto& item : model.named_parameters()) {
    auto it = weights.tensors.find(item.key());
    if (it == weights.tensors.end()) throw Error(dir + "/model.safetensors: no tensor '" + item.key() + "' (another model?)");
    if (it->second.sizes() != item.value().sizes())
      throw Error(dir + "/model.safetensors: '" + item.key() + "' has another shape than the model (another recipe?)");
    item.value().copy_(it->second);
    if (also) also(item.key(), item.value());
  }
  for (auto& item : model.named_buffers())
    if (auto it = weights.tensors.find(item.key()); it != weights.tensors.end()) item.value().copy_(it->second);
}
}  // namespace

void load_model_weights(const std::string& dir, torch::nn::Module& model) {
  torch::NoGradGuard no_grad;
  copy_weights(dir, io::read_safetensors((fs::path(dir) / "model.safetensors").string()), model, nullptr);
}

TrainingProgress load_checkpoint(const std::string& dir, torch::nn::Module& model, torch::optim::Optimizer& optimizer) {
  torch::NoGradGuard no_grad;
  const std::string state_path = (fs::path(dir) / "state.json").string();
  json state;
  try {
    state = json::parse(core::read_file(state_path));
  } catch (const json::exception& e) {
    throw Error(state_path + ": unreadable checkpoint state (" + std::string(e.what()) + ")");
  }
  io::Checkpoint weights = io::read_safetensors((fs::path(dir) / "model.safetensors").string());
  io::Checkpoint moments = io::read_safetensors((fs::path(dir) / "optimizer.safetensors").string());
  const int64_t adam_step = state.value("adam_step", int64_t{0});
  copy_weights(dir, weights, model, [&](const std::string& name, at::Tensor& parameter) {
    auto a = moments.tensors.find(name + ".exp_avg"), b = moments.tensors.find(name + ".exp_avg_sq");
    if (a != moments.tensors.end() && b != moments.tensors.end())
      write_moments(optimizer, parameter, {a->second.to(parameter.device()), b->second.to(parameter.device()), adam_step});
  });
  if (auto rng = moments.tensors.find("rng.cpu"); rng != moments.tensors.end())
  {
    at::Generator generator = at::detail::getDefaultCPUGenerator();
    generator.set_state(rng->second);
  }
  TrainingProgress p;
  p.epoch = state.at("epoch").get<int64_t>();
  p.step_in_epoch = state.at("step_in_epoch").get<int64_t>();
  p.global_step = state.at("global_step").get<int64_t>();
  p.skipped_steps = state.value("skipped_steps", int64_t{0});
  p.has_best = state.value("has_best", false);
  p.best_metric = state.value("best_metric", 0.0);
  p.metrics = state.value("metrics", std::map<std::string, double>{});
  p.epoch_loss_sum = state.value("epoch_loss_sum", 0.0);
  p.epoch_loss_steps = state.value("epoch_loss_steps", int64_t{0});
  log::info("[train] loaded checkpoint ", dir, ": epoch ", p.epoch, " step ", p.step_in_epoch, " (global step ",
            p.global_step, ")");
  return p;
}

}  // namespace vgs::train
