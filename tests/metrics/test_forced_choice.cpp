// Tests of forced-choice accuracy on a hand case: strict wins, a tie counted wrong, per category and
// the mean over categories.
#include <catch2/catch.hpp>

#include <cmath>

#include "tests/support/temp_dir.h"
#include "vgs/metrics/forced_choice.h"

using namespace vgs;

TEST_CASE("forced-choice accuracy overall and per category") {
  // Items: right (0.9 > 0.1), wrong (0.2 < 0.3), a tie (wrong), right (0.7 > 0.6).
  metrics::ForcedChoiceResult r =
      metrics::forced_choice_accuracy({0.9, 0.2, 0.5, 0.7}, {0.1, 0.3, 0.5, 0.6}, {"noun", "noun", "verb", "colour"});
  CHECK(r.overall.items == 4);
  CHECK(r.overall.correct == 2);
  CHECK(r.overall.accuracy() == 0.5);
  REQUIRE(r.categories.size() == 3);
  CHECK(r.categories.at("noun").accuracy() == 0.5);
  CHECK(r.categories.at("verb").accuracy() == 0.0);
  CHECK(r.categories.at("colour").accuracy() == 1.0);
  CHECK(r.category_mean() == Approx(0.5));
  CHECK(std::isnan(metrics::forced_choice_accuracy({}, {}, {}).overall.accuracy()));
  CHECK(test::error_of([] { metrics::forced_choice_accuracy({1.0}, {}, {"a"}); }) ==
        "forced choice: 1 caption scores, 0 foil scores and 1 categories; one of each per item");
  CHECK(test::error_of([] { metrics::forced_choice_accuracy({NAN}, {0.0}, {"a"}); }) ==
        "forced choice: item 0 has a NaN score");
}
