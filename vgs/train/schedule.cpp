// Warmup + cosine learning-rate schedule.
#include "vgs/train/schedule.h"

#include <algorithm>
#include <cmath>

namespace vgs::train {

double Schedule::lr(int64_t step) const {
  if (warmup_steps > 0 && step < warmup_steps)
    return min_lr + (peak_lr - min_lr) * static_cast<double>(step) / static_cast<double>(warmup_steps);
  const int64_t span = std::max<int64_t>(1, total_steps - 1 - warmup_steps);
  const double t = std::min(1.0, static_cast<double>(step - warmup_steps) / static_cast<double>(span));
  return min_lr + (peak_lr - min_lr) * 0.5 * (1.0 + std::cos(M_PI * t));
}

}  // namespace vgs::train
