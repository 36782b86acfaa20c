// Scoring two-way trials (familiar and ME tests): a trial is correct when the audio is closer to
// the positive image than to the negative one (me-vgs's argmax of the softmax over the two scores).
#pragma once

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

// Embeds every audio and image the trials use (eval mode, no gradient) and scores them.
TrialScore score_trials(models::TwoTowerImpl& model, const std::vector<data::Trial>& trials, const FeatureBank& audio,
                        const FeatureBank& images, const std::string& name, const c10::Device& device);

}  // namespace vgs::train
