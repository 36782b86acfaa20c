// Aggregating one metric over training seeds: mean and standard error, as in the paper's Table 1
// (mean ± std / sqrt(5) over 5 seeds).
#pragma once

#include <cstdint>
#include <vector>

namespace vgs::metrics {

struct SeedSummary {
  int64_t n = 0;
  double mean = 0;
  double standard_error = 0;  // sample std (ddof 1) / sqrt(n); NaN for n = 1
};

// The mean and standard error of `values` (one per seed). With a single value the spread is
// undefined, so standard_error is NaN rather than a misleading 0. vgs::Error when empty.
SeedSummary summarize(const std::vector<double>& values);

}  // namespace vgs::metrics
