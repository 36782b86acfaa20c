// The me-vgs two-tower task (see two_tower_task.h).
#include "vgs/train/two_tower_task.h"

#include <torch/torch.h>

#include <chrono>

#include "vgs/core/error.h"
#include "vgs/train/trial_scoring.h"

namespace vgs::train {

namespace {

// What the loss asks the sampler to draw.
NegativeDraw negative_draw(const losses::InfoNCE& loss) {
  switch (loss.mode()) {
    case losses::NegativeMode::sampled: return {NegativeDraw::Kind::own, loss.negatives_per_item()};
    case losses::NegativeMode::sampled_shared: return {NegativeDraw::Kind::batch, loss.negatives_per_item()};
    case losses::NegativeMode::in_batch: return {NegativeDraw::Kind::none, loss.negatives_per_item()};
  }
  throw std::logic_error("unknown negative mode");
}

// [B][K] item indices as a [B, K] tensor on `device`.
at::Tensor index_tensor(const std::vector<std::vector<int64_t>>& rows, const c10::Device& device) {
  std::vector<int64_t> flat;
  for (const auto& r : rows) flat.insert(flat.end(), r.begin(), r.end());
  return torch::tensor(flat, at::kLong).view({static_cast<int64_t>(rows.size()), -1}).to(device);
}

}  // namespace

models::TwoTowerConfig fit_inputs(models::TwoTowerConfig config, const SplitData& split) {
  config.audio.input_dim = split.audio_features->dim();
  config.audio.num_input_layers = split.audio_features->layers();
  config.image.input_dim = split.image_features->dim();
  config.image.num_input_layers = split.image_features->layers();
  return config;
}

TwoTowerTask::TwoTowerTask(TwoTowerOptions options)
    : o_(std::move(options)), loss_(o_.negatives, o_.negatives_per_item) {}

TwoTowerTask::~TwoTowerTask() = default;

void TwoTowerTask::load_data() {
  use_toy_world(o_);
  if (o_.train.audio_manifest.empty() || o_.train.image_manifest.empty())
    throw Error("splits.train_audio / splits.train_images are not set: prepare the corpora as docs/data.md describes, "
                "or set splits.toy_world to train on the generated toy world");
  require_prepared(o_);
  train_ = std::make_unique<SplitData>(load_split(o_, o_.train, "train"));
  if (!o_.valid.audio_manifest.empty()) valid_ = std::make_unique<SplitData>(load_split(o_, o_.valid, "valid"));
  if (!o_.test.audio_manifest.empty()) test_ = std::make_unique<SplitData>(load_split(o_, o_.test, "test"));
  sampler_ = std::make_unique<PairedSampler>(train_->audio, train_->images, negative_draw(loss_), o_.seed);
  // A fixed draw of validation pairs, the same every epoch (me-vgs uses fixed validation samples).
  if (valid_)
    valid_sampler_ = std::make_unique<PairedSampler>(valid_->audio, valid_->images, negative_draw(loss_), o_.seed + 1);
}

void TwoTowerTask::build_model(const c10::Device& device) {
  device_ = device;
  model_ = models::TwoTower(fit_inputs(o_.model, *train_));
  if (o_.model.audio.standardize_inputs) {  // statistics of the training features (a resume loads them)
    auto [mean, std] = train_->audio_features->moments();
    model_->audio_tower->set_input_statistics(mean, std);
  }
  if (o_.model.image.standardize_inputs) {
    auto [mean, std] = train_->image_features->moments();
    model_->image_tower->set_input_statistics(mean, std);
  }
  model_->to(device_);
}

int64_t TwoTowerTask::steps_per_epoch() const { return sampler_->steps_per_epoch(o_.batch_size); }

StepLoss TwoTowerTask::step_loss(int64_t epoch, int64_t step) {
  const auto start = std::chrono::steady_clock::now();
  TrainBatch batch = sampler_->batch(epoch, step, o_.batch_size);
  const double sampling = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  StepLoss out = batch_loss(batch, *train_);
  out.data_seconds += sampling;
  return out;
}

StepLoss TwoTowerTask::batch_loss(const TrainBatch& batch, const SplitData& split) {
  StepLoss out;
  auto embed = [&](bool audio, const std::vector<std::string>& ids) {
    const auto start = std::chrono::steady_clock::now();
    auto [features, lengths] = (audio ? split.audio_features : split.image_features)->collate(ids);
    out.data_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    features = features.to(device_);
    lengths = lengths.to(device_);
    return audio ? model_->embed_audio(features, lengths) : model_->embed_image(features, lengths);
  };
  at::Tensor audio = embed(true, batch.audio_ids), image = embed(false, batch.image_ids);
  losses::BatchNegatives negatives;
  negatives.own_per_item = batch.own_negatives;
  if (!batch.negative_images.empty()) {
    negatives.images = index_tensor(batch.negative_images, device_);
    negatives.audios = index_tensor(batch.negative_audios, device_);
  }
  out.loss = loss_(audio, image, negatives, model_->scale());
  out.items = static_cast<int64_t>(batch.words.size());
  return out;
}

Metrics TwoTowerTask::step_metrics() const { return {{"train/scale", model_->scale().item<double>()}}; }

Metrics TwoTowerTask::score(const SplitData& split, const std::string& prefix) {
  Metrics out;
  for (const auto& [name, trials] : split.trials) {
    TrialScore s = score_trials(*model_, trials, *split.audio_features, *split.image_features, name, device_);
    out[prefix + "/" + name] = s.accuracy();
  }
  return out;
}

Metrics TwoTowerTask::validate() {
  Metrics metrics;
  if (!valid_) return metrics;
  torch::NoGradGuard no_grad;
  model_->eval();
  double total = 0;
  const int64_t steps = valid_sampler_->steps_per_epoch(o_.batch_size);
  for (int64_t step = 0; step < steps; ++step)
    total += batch_loss(valid_sampler_->batch(0, step, o_.batch_size), *valid_).loss.total.item<double>();
  metrics["valid/loss"] = total / static_cast<double>(steps);
  auto accuracies = score(*valid_, "valid");
  metrics.insert(accuracies.begin(), accuracies.end());
  return metrics;
}

Metrics TwoTowerTask::test() {
  torch::NoGradGuard no_grad;
  return test_ ? score(*test_, "test") : Metrics{};
}

}  // namespace vgs::train
