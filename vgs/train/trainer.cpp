// The two-tower trainer.
#include "vgs/train/trainer.h"

#include <torch/torch.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>

#include "vgs/backbones/extraction.h"
#include "vgs/core/error.h"
#include "vgs/core/fs.h"
#include "vgs/core/log.h"
#include "vgs/core/progress.h"
#include "vgs/core/strings.h"
#include "vgs/data/toy_world.h"
#include "vgs/losses/infonce.h"
#include "vgs/train/trial_scoring.h"

namespace fs = std::filesystem;

namespace vgs::train {

std::atomic<bool>& stop_requested() {
  static std::atomic<bool> flag{false};
  return flag;
}

void install_stop_signals() {
  auto handler = [](int) { stop_requested().store(true); };
  std::signal(SIGTERM, handler);
  std::signal(SIGUSR1, handler);
}

// One split's items, cached features and trial lists.
struct Trainer::SplitData {
  std::vector<data::AudioItem> audio;
  std::vector<data::ImageItem> images;
  std::unique_ptr<FeatureBank> audio_features, image_features;
  std::vector<std::pair<std::string, std::vector<data::Trial>>> trials;  // (name, trials)
};

Trainer::Trainer(TrainOptions options, std::string config_yaml)
    : o_(std::move(options)), config_yaml_(std::move(config_yaml)) {}

Trainer::~Trainer() = default;

namespace {

std::string stem(const std::string& path) { return fs::path(path).stem().string(); }

// What a missing input of a paper recipe means: data not prepared yet. Says so, and where to look.
void require_prepared(const std::string& path, const std::string& key) {
  if (!path.empty() && !fs::exists(path))
    throw Error(key + ": " + path + " does not exist: prepare the data as docs/data.md describes (or train on the "
                "toy world: recipes/toy/me_bilingual.yaml)");
}

void require_prepared(const Split& split, const std::string& name) {
  require_prepared(split.audio_manifest, "splits." + name + "_audio");
  require_prepared(split.image_manifest, "splits." + name + "_images");
  for (const auto& trials : split.trials) require_prepared(trials, "splits." + name + "_trials");
}

}  // namespace

// Fills the splits from a toy world (made when missing) where the recipe leaves them unset.
void use_toy_world(TrainOptions& o) {
  if (o.toy_world.empty()) return;
  // Always the full world (every language): one toy world serves monolingual and bilingual recipes.
  data::make_toy_world(o.toy_world, data::ToyWorldOptions{});
  auto fill = [&](Split& split, const std::string& name) {
    if (split.audio_manifest.empty()) split.audio_manifest = data::toy_world_manifest(o.toy_world, "audio", name);
    if (split.image_manifest.empty()) split.image_manifest = data::toy_world_manifest(o.toy_world, "images", name);
  };
  fill(o.train, "train");
  fill(o.valid, "val");
  fill(o.test, "test");
  if (o.valid.trials.empty())
    for (const auto& lang : o.languages) o.valid.trials.push_back(data::toy_world_trials(o.toy_world, "familiar", "val", lang));
  if (o.test.trials.empty())
    for (const auto& lang : o.languages) {
      o.test.trials.push_back(data::toy_world_trials(o.toy_world, "familiar", "test", lang));
      o.test.trials.push_back(data::toy_world_trials(o.toy_world, "me", "test", lang));
    }
}


void Trainer::prepare_data() {
  use_toy_world(o_);
  if (o_.train.audio_manifest.empty() || o_.train.image_manifest.empty())
    throw Error("splits.train_audio / splits.train_images are not set: prepare the corpora as docs/data.md describes, "
                "or set splits.toy_world to train on the generated toy world");
  require_prepared(o_.train, "train");
  require_prepared(o_.valid, "valid");
  require_prepared(o_.test, "test");
  require_prepared(o_.audio_backbone.weights, "audio_backbone.weights");
  require_prepared(o_.image_backbone.weights, "image_backbone.weights");
  train_ = load_split(o_.train, "train");
  if (!o_.valid.audio_manifest.empty()) valid_ = load_split(o_.valid, "valid");
  if (!o_.test.audio_manifest.empty()) test_ = load_split(o_.test, "test");
}

std::unique_ptr<Trainer::SplitData> Trainer::load_split(const Split& split, const std::string& name) {
  auto data = std::make_unique<SplitData>();
  for (auto& item : data::read_audio_manifest(split.audio_manifest))
    if (std::find(o_.languages.begin(), o_.languages.end(), item.lang) != o_.languages.end()) data->audio.push_back(item);
  if (data->audio.empty())
    throw Error(split.audio_manifest + ": no " + name + " audio in the languages " + core::join(o_.languages, ", "));
  data->images = data::read_image_manifest(split.image_manifest);
  log::info("[train] ", name, ": ", data->audio.size(), " audio items, ", data->images.size(), " images");
  data->audio_features = open_feature_bank(o_.extraction, o_.audio_backbone, o_.audio_layers,
      split.audio_manifest, o_.feature_load, o_.feature_memory_limit_gb);
  data->image_features = open_feature_bank(o_.extraction, o_.image_backbone, o_.image_layers,
      split.image_manifest, o_.feature_load, o_.feature_memory_limit_gb);
  for (const auto& path : split.trials) {
    auto trials = data::read_trials(path);
    data::check_trials(trials, data::read_audio_manifest(split.audio_manifest), data->images, path);
    data->trials.emplace_back(stem(path), std::move(trials));
  }
  return data;
}

void Trainer::build_model() {
  torch::manual_seed(o_.seed);
  o_.model.audio.input_dim = train_->audio_features->dim();
  o_.model.audio.num_input_layers = train_->audio_features->layers();
  o_.model.image.input_dim = train_->image_features->dim();
  o_.model.image.num_input_layers = train_->image_features->layers();
  model_ = models::TwoTower(o_.model);
  if (o_.model.audio.standardize_inputs) {  // statistics of the training features (a resume loads them)
    auto [mean, std] = train_->audio_features->moments();
    model_->audio_tower->set_input_statistics(mean, std);
  }
  if (o_.model.image.standardize_inputs) {
    auto [mean, std] = train_->image_features->moments();
    model_->image_tower->set_input_statistics(mean, std);
  }
  model_->to(device_);
  if (o_.optimizer == "adamw")
    optimizer_ = std::make_unique<torch::optim::AdamW>(
        model_->parameters(), torch::optim::AdamWOptions(o_.schedule.peak_lr).weight_decay(o_.weight_decay));
  else
    optimizer_ = std::make_unique<torch::optim::Adam>(
        model_->parameters(), torch::optim::AdamOptions(o_.schedule.peak_lr).weight_decay(o_.weight_decay));
  int64_t parameters = 0;
  for (const auto& p : model_->parameters()) parameters += p.numel();
  log::info("[train] two-tower model: ", parameters, " parameters on ", device_.str());
}

losses::LossOutput Trainer::batch_loss(const TrainBatch& batch, const SplitData& split) {
  auto embed = [&](bool audio, const std::vector<std::string>& ids) {
    const auto start = std::chrono::steady_clock::now();
    auto [features, lengths] = (audio ? split.audio_features : split.image_features)->collate(ids);
    data_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    features = features.to(device_);
    lengths = lengths.to(device_);
    return audio ? model_->embed_audio(features, lengths) : model_->embed_image(features, lengths);
  };
  const int64_t items = static_cast<int64_t>(batch.words.size());
  at::Tensor audio = embed(true, batch.audio_ids), image = embed(false, batch.image_ids);
  switch (batch.mode) {
    case NegativeMode::sampled:
      return losses::infonce_sampled(audio.view({items, -1, audio.size(-1)}), image.view({items, -1, image.size(-1)}),
                                     model_->scale());
    case NegativeMode::shared: {
      auto indices = [&](const std::vector<std::vector<int64_t>>& rows) {
        std::vector<int64_t> flat;
        for (const auto& r : rows) flat.insert(flat.end(), r.begin(), r.end());
        return torch::tensor(flat, at::kLong).view({items, -1}).to(device_);
      };
      return losses::infonce_sampled_shared(audio, image, indices(batch.negative_images), indices(batch.negative_audios),
                                            model_->scale());
    }
    case NegativeMode::in_batch: return losses::infonce_in_batch(audio, image, model_->scale());
  }
  throw std::logic_error("unknown negative mode");
}

double Trainer::train_step(const TrainBatch& batch) {
  model_->train();
  optimizer_->zero_grad();
  losses::LossOutput loss = batch_loss(batch, *train_);
  const auto& nan_steps = o_.debug_nan_at_steps;
  if (std::find(nan_steps.begin(), nan_steps.end(), progress_.global_step + 1) != nan_steps.end())
    loss.total = loss.total * std::numeric_limits<double>::quiet_NaN();  // debug.nan_at_steps
  double value = loss.total.item<double>();
  bool finite = std::isfinite(value);
  if (finite) {
    loss.total.backward();
    double norm = o_.grad_clip > 0 ? torch::nn::utils::clip_grad_norm_(model_->parameters(), o_.grad_clip)
                                   : torch::nn::utils::clip_grad_norm_(model_->parameters(), 1e30);
    finite = std::isfinite(norm);
  }
  if (!finite) {
    // A NaN or Inf loss or gradient: the step is skipped, and too many in a row stop the run.
    ++progress_.skipped_steps;
    ++consecutive_bad_;
    log::warn("[train] step ", progress_.global_step + 1, ": non-finite loss or gradient, step skipped (", consecutive_bad_,
              " in a row)");
    if (consecutive_bad_ >= o_.max_bad_steps) {
      const std::string last = step_folder(last_checkpoint(o_.run_dir));
      throw Error("training diverged: " + std::to_string(consecutive_bad_) + " non-finite steps in a row at step " +
                  std::to_string(progress_.global_step + 1) + "; last good checkpoint: " + (last.empty() ? "none" : last));
    }
    optimizer_->zero_grad();
    return value;
  }
  consecutive_bad_ = 0;
  optimizer_->step();
  model_->clamp_logit_scale();
  return value;
}

std::map<std::string, double> Trainer::score(const SplitData& split, const std::string& prefix) {
  std::map<std::string, double> out;
  for (const auto& [name, trials] : split.trials) {
    TrialScore s = score_trials(*model_, trials, *split.audio_features, *split.image_features, name, device_);
    out[prefix + "/" + name] = s.accuracy();
  }
  return out;
}

std::map<std::string, double> Trainer::validate() {
  std::map<std::string, double> metrics;
  if (!valid_) return metrics;
  torch::NoGradGuard no_grad;
  model_->eval();
  // A fixed draw of validation pairs, the same every epoch (me-vgs uses fixed validation samples).
  double total = 0;
  const int64_t steps = valid_sampler_->steps_per_epoch(o_.batch_size);
  for (int64_t step = 0; step < steps; ++step)
    total += batch_loss(valid_sampler_->batch(o_.negatives, 0, step, o_.batch_size), *valid_).total.item<double>();
  metrics["valid/loss"] = total / static_cast<double>(steps);
  auto accuracies = score(*valid_, "valid");
  metrics.insert(accuracies.begin(), accuracies.end());
  return metrics;
}

bool Trainer::better(double metric) const {
  if (!progress_.has_best) return true;
  const bool lower = o_.select_metric.find("loss") != std::string::npos;
  return lower ? metric < progress_.best_metric : metric > progress_.best_metric;
}

void Trainer::save(bool is_best) {
  save_checkpoint(o_.run_dir, *model_, *optimizer_, progress_, config_yaml_, is_best, o_.keep_checkpoints);
}

// A finished run's figures, from its results.json (a --resume of a finished run reports them again).
TrainResult Trainer::finished_result() const {
  const std::string path = (fs::path(o_.run_dir) / "results.json").string();
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
  r.valid = j.value("valid", std::map<std::string, double>{});
  r.test = j.value("test", std::map<std::string, double>{});
  r.steps = j.value("steps", int64_t{0});
  r.skipped_steps = j.value("skipped_steps", int64_t{0});
  r.items_per_second = j.value("items_per_second", 0.0);
  log::info("[train] ", o_.run_dir, " finished already: its results.json");
  return r;
}

TrainResult Trainer::run(bool resume) {
  if (o_.threads > 0) torch::set_num_threads(static_cast<int>(o_.threads));
  device_ = o_.device == "cuda" || (o_.device == "auto" && torch::cuda::is_available()) ? c10::Device(c10::kCUDA)
                                                                                         : c10::Device(c10::kCPU);
  if (!resume && !last_checkpoint(o_.run_dir).empty())
    throw Error(o_.run_dir + ": holds a run already; continue it with --resume or choose another run.name/run.dir");
  fs::create_directories(o_.run_dir);
  core::write_file_atomic((fs::path(o_.run_dir) / "config.yaml").string(), config_yaml_);
  prepare_data();
  sampler_ = std::make_unique<PairedSampler>(train_->audio, train_->images, o_.negatives_per_item, o_.seed);
  if (valid_) valid_sampler_ = std::make_unique<PairedSampler>(valid_->audio, valid_->images, o_.negatives_per_item, o_.seed + 1);
  steps_per_epoch_ = sampler_->steps_per_epoch(o_.batch_size);
  o_.schedule.warmup_steps = static_cast<int64_t>(o_.warmup_epochs * static_cast<double>(steps_per_epoch_));
  o_.schedule.total_steps = o_.epochs * steps_per_epoch_;
  build_model();
  if (resume) {
    std::string last = last_checkpoint(o_.run_dir);
    if (last.empty()) throw Error(o_.run_dir + ": --resume, but there is no checkpoint in " + o_.run_dir + "/checkpoints");
    progress_ = load_checkpoint(last, *model_, *optimizer_);
    if (progress_.epoch >= o_.epochs) return finished_result();  // nothing left to do
  }
  metrics_ = std::make_unique<io::MetricsLog>((fs::path(o_.run_dir) / "metrics.jsonl").string());
  tensorboard_ = std::make_unique<io::TensorBoardWriter>((fs::path(o_.run_dir) / "tensorboard").string());
  install_stop_signals();

  TrainResult result;
  result.run_dir = o_.run_dir;
  int64_t items_done = 0;
  double step_seconds = 0;
  while (progress_.epoch < o_.epochs) {
    core::Progress bar("[train] epoch " + std::to_string(progress_.epoch + 1) + "/" + std::to_string(o_.epochs),
                       steps_per_epoch_ - progress_.step_in_epoch, "steps");
    double epoch_loss = 0;
    int64_t epoch_steps = 0;
    while (progress_.step_in_epoch < steps_per_epoch_) {
      const double lr = o_.schedule.lr(progress_.global_step);
      for (auto& group : optimizer_->param_groups()) group.options().set_lr(lr);
      auto start = std::chrono::steady_clock::now();
      TrainBatch batch = sampler_->batch(o_.negatives, progress_.epoch, progress_.step_in_epoch, o_.batch_size);
      data_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const double loss = train_step(batch);
      step_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      items_done += static_cast<int64_t>(batch.words.size());
      if (std::isfinite(loss)) epoch_loss += loss, ++epoch_steps;
      ++progress_.step_in_epoch;
      ++progress_.global_step;
      bar.advance();
      if (progress_.global_step % o_.log_every == 0) {
        std::map<std::string, double> values{{"train/loss", loss},
                                             {"train/lr", lr},
                                             {"train/scale", model_->scale().item<double>()},
                                             {"train/items_per_second", items_done / std::max(step_seconds, 1e-9)},
                                             {"train/data_wait_ms", 1000 * data_seconds_ / o_.log_every}};
        data_seconds_ = 0;
        metrics_->write("train", progress_.global_step, progress_.epoch, values);
        tensorboard_->add_scalars(values, progress_.global_step);
      }
      if (progress_.global_step == o_.debug_kill_at_step) std::raise(SIGKILL);  // a crash, for the tests
      if (progress_.global_step == o_.debug_term_at_step) std::raise(SIGTERM);  // Slurm's warning, for the tests
      if (o_.checkpoint_every_steps > 0 && progress_.global_step % o_.checkpoint_every_steps == 0 &&
          progress_.step_in_epoch < steps_per_epoch_)
        save(false);  // mid-epoch: a killed run loses at most checkpoint_every_steps steps
      if (stop_requested()) {
        save(false);
        tensorboard_->flush();
        log::warn("[train] stop requested: checkpoint saved at step ", progress_.global_step, "; continue with --resume");
        result.steps = progress_.global_step;
        return result;
      }
    }
    bar.finish();
    ++progress_.epoch;
    progress_.step_in_epoch = 0;
    progress_.metrics = validate();
    if (test_ && o_.test_every_epoch) {  // the ME curve over training, as me-vgs logs it
      torch::NoGradGuard no_grad;
      auto test = score(*test_, "test");
      progress_.metrics.insert(test.begin(), test.end());
    }
    progress_.metrics["train/epoch_loss"] = epoch_steps ? epoch_loss / epoch_steps : NAN;
    const auto metric = progress_.metrics.find(o_.select_metric);
    const bool is_best = metric != progress_.metrics.end() && better(metric->second);
    if (is_best) progress_.best_metric = metric->second, progress_.has_best = true;
    save(is_best);
    metrics_->write("valid", progress_.global_step, progress_.epoch, progress_.metrics);
    tensorboard_->add_scalars(progress_.metrics, progress_.global_step);
    tensorboard_->flush();
    std::string summary;
    for (const auto& [k, v] : progress_.metrics) summary += " " + k + "=" + std::to_string(v);
    log::info("[train] epoch ", progress_.epoch, "/", o_.epochs, ":", summary, is_best ? " (best)" : "");
  }
  result.finished = true;
  for (const auto& [name, value] : progress_.metrics)  // the last epoch's test scores are curves, not results
    if (name.rfind("test/", 0) != 0) result.valid[name] = value;
  result.steps = progress_.global_step;
  result.skipped_steps = progress_.skipped_steps;
  result.items_per_second = items_done / std::max(step_seconds, 1e-9);
  if (test_) {
    // The paper reports test accuracy at the epoch of lowest validation loss.
    std::string best = (fs::path(o_.run_dir) / "checkpoints" / "best").string();
    if (fs::exists(best)) load_checkpoint(best, *model_, *optimizer_);
    result.test = score(*test_, "test");
    metrics_->write("test", progress_.global_step, progress_.epoch, result.test);
  }
  nlohmann::json results = {{"valid", result.valid}, {"test", result.test}, {"steps", result.steps},
                            {"skipped_steps", result.skipped_steps}, {"items_per_second", result.items_per_second}};
  core::write_file_atomic((fs::path(o_.run_dir) / "results.json").string(), results.dump(1) + "\n");
  return result;
}

}  // namespace vgs::train
