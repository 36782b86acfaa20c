// Shared by the C++ benchmarks: timing a piece of work the way the Python references do.
#pragma once

#include <algorithm>
#include <chrono>

namespace vgs::bench {

// The best wall time of `repeats` runs of `work`, after one warm-up run.
template <typename F>
double best_seconds(int repeats, F&& work) {
  work();  // warm-up
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    auto start = std::chrono::steady_clock::now();
    work();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

}  // namespace vgs::bench
