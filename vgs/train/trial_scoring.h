// Embedding items with a two-tower model and scoring two-way trials (familiar and ME tests) on
// them: the code both the trainer's validation and vgs-eval run, so their figures agree. A trial
// is correct when the audio is at least as close to the positive image as to the negative one
// (vgs/metrics/two_way.h: me-vgs's argmax over the two scores).
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <string>
#include <vector>

#include "vgs/data/trials.h"
#include "vgs/models/two_tower.h"
#include "vgs/train/feature_bank.h"

namespace vgs::train {

struct TrialScore {
  std::string name;  // e.g. "familiar_test_en"
  int64_t trials = 0, correct = 0;
  double accuracy() const { return trials ? static_cast<double>(correct) / trials : 0.0; }
};

// The model's embeddings [N, E] (on the CPU, eval mode, no gradient) of the items `ids` of a feature
// bank, through the audio tower or the image tower; batched so that memory stays bounded.
at::Tensor embed_items(models::TwoTowerImpl& model, const std::vector<std::string>& ids, const FeatureBank& bank,
                       bool audio, const c10::Device& device);

// Embeds every audio and image the trials use (eval mode, no gradient) and scores them.
TrialScore score_trials(models::TwoTowerImpl& model, const std::vector<data::Trial>& trials, const FeatureBank& audio,
                        const FeatureBank& images, const std::string& name, const c10::Device& device);

}  // namespace vgs::train
