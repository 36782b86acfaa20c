// Test support for the metric tests: hand-picked 2-d embeddings written as a flat list of numbers.
#pragma once

#include <torch/torch.h>

#include <vector>

namespace vgs::test {

// {x0, y0, x1, y1, ...} -> [N, 2] of `dtype` (computed from float64 values).
inline at::Tensor rows(std::vector<double> values, at::ScalarType dtype = at::kDouble) {
  return torch::tensor(values, torch::kDouble).view({-1, 2}).to(dtype);
}

}  // namespace vgs::test
