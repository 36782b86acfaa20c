// The learning-rate schedule of the me-vgs recipes: linear warmup from min_lr to peak_lr over the
// warmup steps, then a per-step cosine from peak_lr down to min_lr at the last step.
#pragma once

#include <cstdint>

namespace vgs::train {

struct Schedule {
  double peak_lr = 2e-4;
  double min_lr = 1e-6;
  int64_t warmup_steps = 0;
  int64_t total_steps = 1;

  // The rate for optimizer step `step` (0-based): min_lr at step 0, peak_lr at warmup_steps,
  // min_lr at total_steps - 1 and after.
  double lr(int64_t step) const;
};

}  // namespace vgs::train
