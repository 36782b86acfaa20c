// Tests of the seed aggregation (vgs/metrics/aggregate.h): mean, standard deviation, twice it and the
// standard error, by hand.
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
  CHECK(std::isnan(one.standard_deviation));
  CHECK(std::isnan(one.two_standard_deviations()));
  CHECK(test::error_of([] { metrics::summarize({}); }) == "summarize: no values to summarize");
}

TEST_CASE("summarize gives the paper's translation spread two sd next to the standard error") {
  // Three seeds 0.5, 0.7, 0.9: mean 0.7; squared deviations .04 + 0 + .04 = .08, over n - 1 = 2 -> .04;
  // sd 0.2, 2 sd 0.4 (me-vgs's translation table), s.e. 0.2 / sqrt 3 = 0.11547 (Table 1).
  auto s = metrics::summarize({0.5, 0.7, 0.9});
  CHECK(s.n == 3);
  CHECK(s.mean == Approx(0.7).epsilon(1e-14));
  CHECK(s.standard_deviation == Approx(0.2).epsilon(1e-14));
  CHECK(s.two_standard_deviations() == Approx(0.4).epsilon(1e-14));
  CHECK(s.standard_error == Approx(0.2 / std::sqrt(3.0)).epsilon(1e-14));
  CHECK(s.standard_error == Approx(0.1155).margin(5e-5));
}
