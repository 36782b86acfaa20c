// The language-links task (see links_task.h).
#include "vgs/train/links_task.h"

#include <torch/torch.h>

#include <chrono>

#include "vgs/core/error.h"
#include "vgs/core/strings.h"
#include "vgs/dist/group.h"
#include "vgs/dist/shares.h"
#include "vgs/losses/language_links.h"

namespace vgs::train {

namespace {

// Items first .. first + count - 1 of a batch, with their rows of each list.
TripletBatch slice_items(const TripletBatch& batch, int64_t first, int64_t count) {
  const auto rows = static_cast<std::ptrdiff_t>(1 + batch.negatives_per_item);
  auto rows_of = [&](const std::vector<std::string>& ids) {
    return std::vector<std::string>(ids.begin() + first * rows, ids.begin() + (first + count) * rows);
  };
  TripletBatch mine;
  mine.negatives_per_item = batch.negatives_per_item;
  mine.audio1_ids = rows_of(batch.audio1_ids);
  mine.audio2_ids = rows_of(batch.audio2_ids);
  mine.image_ids = rows_of(batch.image_ids);
  mine.words.assign(batch.words.begin() + first, batch.words.begin() + first + count);
  return mine;
}

}  // namespace

LinksTask::LinksTask(TwoTowerOptions options) : TwoTowerTask(std::move(options)) {
  if (o_.languages.size() != 2)
    throw Error("loss.language_links: needs two training languages in splits.languages, got " +
                std::to_string(o_.languages.size()) + " (" + core::join(o_.languages, ", ") + ")");
  if (!o_.valid_draws.empty())
    throw Error("splits.valid_draws: holds pairs; the language-links model validates on triplets drawn with "
                "splits.valid_seed (me-vgs fixes no validation triplets either)");
  if (o_.negatives != losses::NegativeMode::sampled)
    throw Error("loss.language_links: needs loss.negatives: sampled, got " +
                std::string(losses::negative_modes().name(o_.negatives)));
}

void LinksTask::load_data() {
  TwoTowerTask::load_data();
  triplets_ = std::make_unique<TripletSampler>(train_->audio, train_->images, o_.languages, o_.negatives_per_item,
                                               o_.seed, o_.resample);
  // A fixed draw, the same every epoch and for every run.seed, as the two-tower task's validation.
  if (valid_)
    valid_triplets_ = std::make_unique<TripletSampler>(valid_->audio, valid_->images, o_.languages,
                                                       o_.negatives_per_item, o_.valid_seed);
}

int64_t LinksTask::steps_per_epoch() const { return triplets_->steps_per_epoch(o_.batch_size); }

StepLoss LinksTask::step_loss(int64_t epoch, int64_t step) {
  const auto start = std::chrono::steady_clock::now();
  TripletBatch batch = triplets_->batch(epoch, step, o_.batch_size);
  const double sampling = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  StepLoss out = group_ && group_->size() > 1 ? sharded_links_loss(batch) : links_loss(batch, *train_);
  out.data_seconds += sampling;
  return out;
}

StepLoss LinksTask::links_loss(const TripletBatch& batch, const SplitData& split) {
  StepLoss out;
  const int64_t rows = 1 + batch.negatives_per_item, audio_rows = static_cast<int64_t>(batch.audio1_ids.size());
  // Both audio lists through the audio tower in one call (one padded batch, as one step of me-vgs's
  // CLIPTwoAudios embeds its two audio tensors with the same encoder).
  std::vector<std::string> audio_ids = batch.audio1_ids;
  audio_ids.insert(audio_ids.end(), batch.audio2_ids.begin(), batch.audio2_ids.end());
  at::Tensor audio = embed(true, audio_ids, split, out), image = embed(false, batch.image_ids, split, out);
  auto items_major = [&](const at::Tensor& t) { return t.view({-1, rows, t.size(-1)}); };
  out.loss = losses::language_links_loss(items_major(audio.narrow(0, 0, audio_rows)),
                                         items_major(audio.narrow(0, audio_rows, audio_rows)), items_major(image),
                                         model_->scale());
  out.items = static_cast<int64_t>(batch.words.size());
  return out;
}

// Rank r takes items n*r/W .. n*(r+1)/W - 1, as TwoTowerTask::sharded_loss; its mean is scaled by
// count * W / n so that the ranks' average is the whole batch's loss.
StepLoss LinksTask::sharded_links_loss(const TripletBatch& batch) {
  const auto n = static_cast<int64_t>(batch.words.size());
  const int64_t world = group_->size(), rank = group_->rank();
  const int64_t first = dist::share_begin(n, rank, world), count = dist::share_begin(n, rank + 1, world) - first;
  StepLoss out;
  if (count > 0) {
    out = links_loss(slice_items(batch, first, count), *train_);
    out.loss.total = out.loss.total * (static_cast<double>(count * world) / static_cast<double>(n));
  } else {  // no items here (a batch smaller than the job): no gradient to add
    out.loss.total = torch::zeros({}, torch::TensorOptions().device(device_));
  }
  out.items = n;  // the global batch: items/s are the job's
  return out;
}

double LinksTask::validation_loss() {
  ItemMean mean;
  for (int64_t step = 0; step < valid_triplets_->steps_per_epoch(o_.batch_size); ++step)
    mean.add(links_loss(valid_triplets_->batch(0, step, o_.batch_size), *valid_));
  return mean.value();
}

}  // namespace vgs::train
