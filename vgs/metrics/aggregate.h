// Aggregating one metric over training seeds: the mean with two spreads, because the paper uses
// both: Table 1 prints mean ± standard error (std / sqrt(5) over 5 seeds), the translation table
// mean ± 2·std (me-vgs's show_interspeech25_sec42.py, pandas std, ddof 1).
#pragma once

#include <cstdint>
#include <vector>

namespace vgs::metrics {

struct SeedSummary {
  int64_t n = 0;
  double mean = 0;
  double standard_deviation = 0;  // sample std (ddof 1); NaN for n = 1
  double standard_error = 0;      // standard_deviation / sqrt(n); NaN for n = 1
  double two_standard_deviations() const { return 2 * standard_deviation; }  // the translation table's ±
};

// The mean and spreads of `values` (one per seed). With a single value the spread is undefined, so
// both spreads are NaN rather than a misleading 0. vgs::Error when empty.
SeedSummary summarize(const std::vector<double>& values);

}  // namespace vgs::metrics
