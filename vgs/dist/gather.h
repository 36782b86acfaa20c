// All-gather with a gradient, for losses whose negatives come from every rank's batch (open_clip's
// gather-with-grad). The gathered rows' gradients are summed over ranks and each rank keeps those of
// its own rows (a reduce-scatter); the trainer then averages gradients over ranks, so the loss each
// rank computes must be its share of the global loss (see two_tower_task.cpp). open_clip issue 616 is
// the factor-of-world-size bug this order of sum-then-average avoids.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace vgs::dist {

class Group;

// Rank r's `local` has sizes[r] rows (sizes may differ, even be 0); returns every rank's rows in rank
// order, [sum(sizes), ...], differentiable with respect to `local`.
at::Tensor all_gather_rows_with_grad(const at::Tensor& local, const std::vector<int64_t>& sizes, Group& group);

}  // namespace vgs::dist
