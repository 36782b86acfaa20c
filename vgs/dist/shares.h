// How a global batch of n items is split over the W ranks of a data-parallel job, the same way in
// every task: rank r takes items n*r/W .. n*(r+1)/W - 1 (a rank may get none when n < W).
#pragma once

#include <cstdint>
#include <vector>

namespace vgs::dist {

// The first item of rank r's share.
inline int64_t share_begin(int64_t n, int64_t rank, int64_t world) { return n * rank / world; }

// The item count of every rank's share, rank 0 first; they sum to n.
inline std::vector<int64_t> share_counts(int64_t n, int64_t world) {
  std::vector<int64_t> counts;
  for (int64_t r = 0; r < world; ++r) counts.push_back(share_begin(n, r + 1, world) - share_begin(n, r, world));
  return counts;
}

}  // namespace vgs::dist
