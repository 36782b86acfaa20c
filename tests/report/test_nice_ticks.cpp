// Tests of the tick chooser: hand-computed 1-2-5 steps, exact decimal values, and odd ranges.
#include <catch2/catch.hpp>

#include <cmath>

#include "vgs/report/plot.h"

using vgs::report::nice_ticks;

TEST_CASE("nice ticks on 0..1 step by 0.2 and are the exact decimals") {
  std::vector<double> ticks = nice_ticks(0, 1);
  // Exact comparison on purpose: 3 x 0.2 must be the double 0.6, so labels and lines agree.
  CHECK(ticks == std::vector<double>{0, 0.2, 0.4, 0.6, 0.8, 1});
}

TEST_CASE("nice ticks take the finest 1-2-5 step that gives at most max_ticks") {
  // 0.43..0.97: a step of 0.05 gives 11 ticks, 0.1 gives 5.
  CHECK(nice_ticks(0.43, 0.97) == std::vector<double>{0.5, 0.6, 0.7, 0.8, 0.9});
  // 0..100: 10 gives 11, 20 gives 6.
  CHECK(nice_ticks(0, 100) == std::vector<double>{0, 20, 40, 60, 80, 100});
  // -3.7..12.2: 2 gives 8 (-2..12), 5 gives 3.
  CHECK(nice_ticks(-3.7, 12.2) == std::vector<double>{0, 5, 10});
  // 1200..8000: 1000 gives 7, 2000 gives 4.
  CHECK(nice_ticks(1200, 8000) == std::vector<double>{2000, 4000, 6000, 8000});
  CHECK(nice_ticks(0, 7, 8) == std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7});
  CHECK(nice_ticks(1e-4, 5e-4) == std::vector<double>{1e-4, 2e-4, 3e-4, 4e-4, 5e-4});
  CHECK(nice_ticks(-1, 1) == std::vector<double>{-1, -0.5, 0, 0.5, 1});
}

TEST_CASE("nice ticks accept reversed bounds and widen an empty range") {
  CHECK(nice_ticks(1, 0) == nice_ticks(0, 1));
  CHECK(nice_ticks(5, 5) == std::vector<double>{4.6, 4.8, 5, 5.2, 5.4});  // 4.5..5.5
  CHECK(nice_ticks(0, 0) == std::vector<double>{-1, -0.5, 0, 0.5, 1});   // -1..1
}

TEST_CASE("nice ticks never print minus zero and give none for non-finite bounds") {
  for (double t : nice_ticks(-0.3, 0.3)) CHECK_FALSE((t == 0 && std::signbit(t)));
  CHECK(nice_ticks(NAN, 1).empty());
  CHECK(nice_ticks(0, INFINITY).empty());
  CHECK(nice_ticks(0, 1, 0) == std::vector<double>{0, 1});  // at least two ticks are asked for
}
