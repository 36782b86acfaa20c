// Tests of the model's forced choices against people's (vgs/metrics/preference.h) on a hand-made case.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>

#include "tests/support/temp_dir.h"
#include "vgs/metrics/preference.h"

using namespace vgs;

TEST_CASE("model human agreement counts shared preferences and correlates the margins") {
  // score_a, score_b, human_a_fraction  -> model, people: agree?
  const std::vector<metrics::PreferenceItem> items = {
      {0.9, 0.1, 1.0},   // a, a: yes        margins  0.8,  0.5
      {0.2, 0.6, 0.25},  // b, b: yes                -0.4, -0.25
      {0.5, 0.3, 0.0},   // a, b: no                  0.2, -0.5
      {0.4, 0.4, 0.8},   // tie, a: no (a tie)        0.0,  0.3
      {0.7, 0.1, 0.5},   // a, split: no              0.6,  0.0
  };
  const metrics::PreferenceResult r = metrics::model_human_agreement(items);
  CHECK(r.items == 5);
  CHECK(r.agreements == 2);
  CHECK(r.ties == 1);
  CHECK(r.agreement == Approx(0.4).epsilon(1e-15));
  // Pearson of (0.8, -0.4, 0.2, 0, 0.6) and (0.5, -0.25, -0.5, 0.3, 0): means 0.24 and 0.01;
  // deviations (0.56, -0.64, -0.04, -0.24, 0.36) and (0.49, -0.26, -0.51, 0.29, -0.01);
  // sum of products 0.2744 + 0.1664 + 0.0204 - 0.0696 - 0.0036 = 0.388; sums of squares 0.912 and 0.652;
  // 0.388 / sqrt(0.912 * 0.652) = 0.50316.
  CHECK(r.correlation == Approx(0.388 / std::sqrt(0.912 * 0.652)).epsilon(1e-12));
  // One item: agreement, no correlation.
  const metrics::PreferenceResult one = metrics::model_human_agreement({{1, 0, 0.9}});
  CHECK(one.agreement == 1.0);
  CHECK(std::isnan(one.correlation));
}

TEST_CASE("model human agreement refuses empty input NaN scores and fractions outside 0 to 1") {
  auto error = [](const std::function<void()>& f) { return test::error_of(f); };
  CHECK(error([] { metrics::model_human_agreement({}); }) == "model_human_agreement: no items");
  CHECK(error([] { metrics::model_human_agreement({{1, 0, 1}, {NAN, 0, 1}}); }) ==
        "model_human_agreement: item 1 has a NaN score");
  CHECK(error([] { metrics::model_human_agreement({{1, 0, 1.5}}); }) ==
        "model_human_agreement: item 0's human_a_fraction must be in [0, 1], got 1.5");
}
