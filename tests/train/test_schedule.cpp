// Tests of the warmup + cosine learning-rate schedule at hand-computed steps.
#include <catch2/catch.hpp>

#include <cmath>

#include "vgs/train/schedule.h"

using vgs::train::Schedule;

TEST_CASE("the schedule warms up linearly then follows a cosine down to the floor") {
  // The me-vgs paper setting at 10 steps per epoch: 24 epochs, 4 of warmup.
  Schedule s{2e-4, 1e-6, 40, 240};
  CHECK(s.lr(0) == Approx(1e-6));
  CHECK(s.lr(10) == Approx(1e-6 + (2e-4 - 1e-6) * 0.25));
  CHECK(s.lr(40) == Approx(2e-4));
  // Half-way through the cosine part (step 40 + 199 / 2 = 139.5), the rate is the midpoint.
  CHECK(s.lr(139) == Approx(1e-6 + (2e-4 - 1e-6) * 0.5 * (1 + std::cos(M_PI * 99.0 / 199.0))));
  CHECK(s.lr(239) == Approx(1e-6));
  CHECK(s.lr(1000) == Approx(1e-6));
  for (int64_t step = 41; step < 240; ++step) CHECK(s.lr(step) <= s.lr(step - 1));
}

TEST_CASE("a schedule without warmup starts at the peak") {
  Schedule s{1e-3, 0.0, 0, 11};
  CHECK(s.lr(0) == Approx(1e-3));
  CHECK(s.lr(5) == Approx(5e-4));
  CHECK(s.lr(10) == Approx(0.0).margin(1e-12));
}
