// Tests of the seed aggregation (vgs/metrics/aggregate.h): mean and standard error by hand.
#include <catch2/catch.hpp>

#include <cmath>

#include "tests/support/temp_dir.h"
#include "vgs/metrics/aggregate.h"

using namespace vgs;

TEST_CASE("summarize gives the mean and the standard error std over sqrt n") {
  // 1..5: mean 3; squared deviations 4 + 1 + 0 + 1 + 4 = 10, sample variance 10 / 4 = 2.5;
  // standard error sqrt(2.5) / sqrt(5) = sqrt(0.5) = 0.70711
  auto s = metrics::summarize({1, 2, 3, 4, 5});
  CHECK(s.n == 5);
  CHECK(s.mean == 3.0);
  CHECK(s.standard_error == Approx(std::sqrt(0.5)).epsilon(1e-14));
  // Two equal values: no spread.
  auto same = metrics::summarize({0.25, 0.25});
  CHECK(same.mean == 0.25);
  CHECK(same.standard_error == 0.0);
}

TEST_CASE("summarize of one value has an undefined standard error and of none an error") {
  auto one = metrics::summarize({7.5});
  CHECK(one.n == 1);
  CHECK(one.mean == 7.5);
  CHECK(std::isnan(one.standard_error));
  CHECK(test::error_of([] { metrics::summarize({}); }) == "summarize: no values to summarize");
}
