// The me-vgs two-tower task (see two_tower_task.h).
#include "vgs/train/two_tower_task.h"

#include <torch/torch.h>

#include <chrono>

#include "vgs/core/error.h"
#include "vgs/data/pair_draws.h"
#include "vgs/dist/gather.h"
#include "vgs/dist/group.h"
#include "vgs/dist/shares.h"
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
  sampler_ = std::make_unique<PairedSampler>(train_->audio, train_->images, negative_draw(loss_), o_.seed, o_.resample);
  if (valid_) valid_batches_ = validation_batches();
}

// The validation pairs, fixed for the whole run and for every run.seed: me-vgs scores every epoch and
// every seed on one validation sample file. Read from splits.valid_draws, or drawn with valid_seed.
std::vector<TrainBatch> TwoTowerTask::validation_batches() const {
  std::vector<TrainBatch> batches;
  if (o_.valid_draws.empty()) {
    PairedSampler sampler(valid_->audio, valid_->images, negative_draw(loss_), o_.valid_seed);
    for (int64_t step = 0; step < sampler.steps_per_epoch(o_.batch_size); ++step)
      batches.push_back(sampler.batch(0, step, o_.batch_size));
    return batches;
  }
  const auto draws = data::read_pair_draws(o_.valid_draws);
  const auto k = static_cast<int64_t>(draws.front().negative_audios.size());
  if (o_.negatives != losses::NegativeMode::sampled || k != o_.negatives_per_item)
    throw Error("splits.valid_draws: " + o_.valid_draws + " gives each pair its own " + std::to_string(k) +
                " negatives; that is the loss of loss.negatives: sampled with loss.negatives_per_item: " + std::to_string(k));
  data::check_pair_draws(draws, valid_->audio, valid_->images, o_.valid_draws);
  for (size_t first = 0; first < draws.size(); first += static_cast<size_t>(o_.batch_size)) {
    TrainBatch batch;
    batch.own_negatives = k;
    for (size_t i = first; i < std::min(draws.size(), first + static_cast<size_t>(o_.batch_size)); ++i) {
      batch.words.push_back(draws[i].word);
      batch.audio_ids.push_back(draws[i].audio);
      batch.audio_ids.insert(batch.audio_ids.end(), draws[i].negative_audios.begin(), draws[i].negative_audios.end());
      batch.image_ids.push_back(draws[i].image);
      batch.image_ids.insert(batch.image_ids.end(), draws[i].negative_images.begin(), draws[i].negative_images.end());
    }
    batches.push_back(std::move(batch));
  }
  return batches;
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
  StepLoss out = group_ && group_->size() > 1 ? sharded_loss(batch) : batch_loss(batch, *train_);
  out.data_seconds += sampling;
  return out;
}

at::Tensor TwoTowerTask::embed(bool audio, const std::vector<std::string>& ids, const SplitData& split, StepLoss& out) {
  if (ids.empty()) return torch::zeros({0, o_.model.audio.embed_dim}, torch::TensorOptions().device(device_));
  const auto start = std::chrono::steady_clock::now();
  auto [features, lengths] = (audio ? split.audio_features : split.image_features)->collate(ids);
  out.data_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  features = features.to(device_);
  lengths = lengths.to(device_);
  return audio ? model_->embed_audio(features, lengths) : model_->embed_image(features, lengths);
}

StepLoss TwoTowerTask::batch_loss(const TrainBatch& batch, const SplitData& split) {
  StepLoss out;
  at::Tensor audio = embed(true, batch.audio_ids, split, out), image = embed(false, batch.image_ids, split, out);
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

// Rank r takes items n*r/W .. n*(r+1)/W - 1 of the global batch of n. Its loss is the mean over its
// items times count * W / n: averaged over the W ranks that is the mean over all n items, the loss of
// one process holding the whole batch, whatever the split (a last batch of 5 over 2 ranks, say).
StepLoss TwoTowerTask::sharded_loss(const TrainBatch& batch) {
  const auto n = static_cast<int64_t>(batch.words.size());
  const int64_t world = group_->size(), rank = group_->rank();
  const std::vector<int64_t> counts = dist::share_counts(n, world);
  const int64_t first = dist::share_begin(n, rank, world), count = counts[static_cast<size_t>(rank)];
  StepLoss out = batch.own_negatives > 0 ? sharded_own_negatives_loss(batch, first, count)
                                         : sharded_gathered_loss(batch, counts, first);
  if (count > 0) out.loss.total = out.loss.total * (static_cast<double>(count * world) / static_cast<double>(n));
  out.items = n;  // the global batch: items/s are the job's
  return out;
}

// Own negatives (me-vgs): each item's rows are its own, so a rank needs nothing from the others.
StepLoss TwoTowerTask::sharded_own_negatives_loss(const TrainBatch& batch, int64_t first, int64_t count) {
  const auto rows = static_cast<std::ptrdiff_t>(1 + batch.own_negatives);
  TrainBatch mine;
  mine.own_negatives = batch.own_negatives;
  mine.audio_ids.assign(batch.audio_ids.begin() + first * rows, batch.audio_ids.begin() + (first + count) * rows);
  mine.image_ids.assign(batch.image_ids.begin() + first * rows, batch.image_ids.begin() + (first + count) * rows);
  mine.words.assign(batch.words.begin() + first, batch.words.begin() + first + count);
  if (count > 0) return batch_loss(mine, *train_);
  StepLoss none;  // no items here (a batch smaller than the job): no gradient to add
  none.loss.total = torch::zeros({}, torch::TensorOptions().device(device_));
  return none;
}

// In-batch and shared negatives: every rank's embeddings, gathered with gradient (gather.h).
StepLoss TwoTowerTask::sharded_gathered_loss(const TrainBatch& batch, const std::vector<int64_t>& counts, int64_t first) {
  const int64_t count = counts[static_cast<size_t>(group_->rank())];
  StepLoss out;
  auto slice = [&](const std::vector<std::string>& ids) {
    return std::vector<std::string>(ids.begin() + first, ids.begin() + first + count);
  };
  at::Tensor audio = embed(true, slice(batch.audio_ids), *train_, out);
  at::Tensor image = embed(false, slice(batch.image_ids), *train_, out);
  at::Tensor all_audio = dist::all_gather_rows_with_grad(audio, counts, *group_);
  at::Tensor all_image = dist::all_gather_rows_with_grad(image, counts, *group_);
  if (count == 0) {  // nothing of its own, but the gathers' backward is a collective: stay in the graph
    out.loss.total = (all_audio.sum() + all_image.sum()) * 0.0;
    return out;
  }
  if (batch.negative_images.empty()) {
    out.loss = losses::infonce_in_batch_rows(audio, image, all_audio, all_image, first, model_->scale());
    return out;
  }
  auto rows = [&](const std::vector<std::vector<int64_t>>& all) {
    return index_tensor({all.begin() + first, all.begin() + first + count}, device_);
  };
  out.loss = losses::infonce_sampled_shared_rows(all_audio, all_image, rows(batch.negative_images),
                                                 rows(batch.negative_audios), first, model_->scale());
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
  metrics["valid/loss"] = validation_loss();
  auto accuracies = score(*valid_, "valid");
  metrics.insert(accuracies.begin(), accuracies.end());
  return metrics;
}

double TwoTowerTask::validation_loss() {
  ItemMean mean;
  for (const TrainBatch& batch : valid_batches_) mean.add(batch_loss(batch, *valid_));
  return mean.value();
}

Metrics TwoTowerTask::test() {
  torch::NoGradGuard no_grad;
  return test_ ? score(*test_, "test") : Metrics{};
}

}  // namespace vgs::train
