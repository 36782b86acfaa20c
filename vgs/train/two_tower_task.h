// The me-vgs two-tower task: paired audio and images with the me-vgs sampler, the two-tower model
// and bidirectional InfoNCE; validation loss on a fixed draw of validation pairs plus trial
// accuracies; familiar and ME test trials.
#pragma once

#include <memory>

#include "vgs/losses/infonce.h"
#include "vgs/models/two_tower.h"
#include "vgs/train/run.h"
#include "vgs/train/sampler.h"
#include "vgs/train/task.h"
#include "vgs/train/two_tower_options.h"

namespace vgs::train {

// The model configuration with the input sizes of a split's features (the backbone's width and
// number of stored layers), as training and evaluation both build it.
models::TwoTowerConfig fit_inputs(models::TwoTowerConfig config, const SplitData& split);

class TwoTowerTask : public Task {
 public:
  explicit TwoTowerTask(TwoTowerOptions options);
  ~TwoTowerTask() override;

  void load_data() override;
  void build_model(const c10::Device& device) override;
  std::string describe() const override { return "two-tower model"; }
  torch::nn::Module& model() override { return *model_; }
  void use_group(dist::Group* group) override { group_ = group; }
  int64_t steps_per_epoch() const override;
  StepLoss step_loss(int64_t epoch, int64_t step) override;
  void after_optimizer_step() override { model_->clamp_logit_scale(); }
  Metrics step_metrics() const override;
  Metrics validate() override;
  bool has_test() const override { return test_ != nullptr; }
  Metrics test() override;

 protected:  // the language-links task (links_task.h) reuses the data, the model and the scoring
  StepLoss batch_loss(const TrainBatch& batch, const SplitData& split);
  // This rank's share of the global batch (see Task::use_group).
  StepLoss sharded_loss(const TrainBatch& batch);
  StepLoss sharded_own_negatives_loss(const TrainBatch& batch, int64_t first, int64_t count);
  StepLoss sharded_gathered_loss(const TrainBatch& batch, const std::vector<int64_t>& counts, int64_t first);
  at::Tensor embed(bool audio, const std::vector<std::string>& ids, const SplitData& split, StepLoss& out);
  Metrics score(const SplitData& split, const std::string& prefix);
  std::vector<TrainBatch> validation_batches() const;
  // The validation loss of the model in eval mode (validate() adds the trial accuracies).
  virtual double validation_loss();


  TwoTowerOptions o_;
  losses::InfoNCE loss_;
  c10::Device device_{c10::kCPU};
  std::unique_ptr<SplitData> train_, valid_, test_;
  std::unique_ptr<PairedSampler> sampler_;
  std::vector<TrainBatch> valid_batches_;  // the fixed validation draw, in batches
  models::TwoTower model_{nullptr};
  dist::Group* group_ = nullptr;
};

}  // namespace vgs::train
