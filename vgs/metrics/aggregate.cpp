// Mean, standard deviation and standard error over seeds (see aggregate.h).
#include "vgs/metrics/aggregate.h"

#include <cmath>
#include <limits>

#include "vgs/core/error.h"

namespace vgs::metrics {

SeedSummary summarize(const std::vector<double>& values) {
  if (values.empty()) throw Error("summarize: no values to summarize");
  SeedSummary s;
  s.n = static_cast<int64_t>(values.size());
  const double n = static_cast<double>(s.n);
  double sum = 0;
  for (double v : values) sum += v;
  s.mean = sum / n;
  if (s.n < 2) {
    s.standard_deviation = s.standard_error = std::numeric_limits<double>::quiet_NaN();  // one run says nothing about the spread
    return s;
  }
  double squares = 0;
  for (double v : values) squares += (v - s.mean) * (v - s.mean);
  s.standard_deviation = std::sqrt(squares / (n - 1));
  s.standard_error = s.standard_deviation / std::sqrt(n);
  return s;
}

}  // namespace vgs::metrics
