// The language-links task (me-vgs CLIPTwoAudios with TripletMEDataset): the two-tower model trained on
// triplets (an audio, the same word in the other training language, an image of it) with the mean of
// the three pairwise me-vgs InfoNCE losses (losses/language_links.h). Data, model, test scoring and the
// trial accuracies of validation are the two-tower task's; only the batches and the loss differ.
#pragma once

#include <memory>

#include "vgs/train/sampler.h"
#include "vgs/train/two_tower_task.h"

namespace vgs::train {

class LinksTask : public TwoTowerTask {
 public:
  // vgs::Error unless options.languages are two languages and the loss draws sampled negatives (the
  // recipe check says the same when the recipe loads).
  explicit LinksTask(TwoTowerOptions options);

  void load_data() override;
  std::string describe() const override { return "two-tower model with language links"; }
  int64_t steps_per_epoch() const override;
  StepLoss step_loss(int64_t epoch, int64_t step) override;
  // valid/loss: the links loss on a fixed draw of validation triplets, averaged over items; and the
  // two-tower task's trial accuracies.
  double validation_loss() override;

 private:
  StepLoss links_loss(const TripletBatch& batch, const SplitData& split);
  // This rank's items of the global batch (see Task::use_group): each item brings its own negatives,
  // so a rank embeds and scores only its share.
  StepLoss sharded_links_loss(const TripletBatch& batch);

  std::unique_ptr<TripletSampler> triplets_, valid_triplets_;
};

}  // namespace vgs::train
