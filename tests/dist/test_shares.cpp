// The split of a global batch over ranks that every task uses (dist/shares.h): contiguous, in rank
// order, sizes differing by at most one, empty shares when the batch is smaller than the job.
#include <catch2/catch.hpp>

#include <numeric>

#include "vgs/dist/shares.h"

using namespace vgs;

TEST_CASE("a batch splits over ranks in contiguous shares that cover it once") {
  CHECK(dist::share_counts(5, 2) == std::vector<int64_t>{2, 3});
  CHECK(dist::share_counts(7, 3) == std::vector<int64_t>{2, 2, 3});
  CHECK(dist::share_counts(3, 8) == std::vector<int64_t>{0, 0, 1, 0, 0, 1, 0, 1});
  for (int64_t n : {0, 1, 7, 64, 4097})
    for (int64_t world : {1, 2, 3, 8}) {
      const std::vector<int64_t> counts = dist::share_counts(n, world);
      CHECK(std::accumulate(counts.begin(), counts.end(), int64_t{0}) == n);
      for (int64_t r = 0; r < world; ++r)
        CHECK(dist::share_begin(n, r, world) + counts[static_cast<size_t>(r)] == dist::share_begin(n, r + 1, world));
    }
}
