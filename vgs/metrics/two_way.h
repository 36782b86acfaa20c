// The two-way matching test of me-vgs (familiar / novel word trials): is the anchor closer to its
// positive than to its negative? The caller averages the result into an accuracy.
#pragma once

#include <ATen/core/Tensor.h>

namespace vgs::metrics {

// anchors, positives, negatives: floating point [N, E], same shape (N may be 0). Returns bool [N]:
// dot(anchor, positive) >= dot(anchor, negative), row by row, on the inputs' device.
// A tie counts as correct, as in me-vgs: it takes argmax over [positive, negative] scores and argmax
// returns the first maximum, which is the positive.
at::Tensor two_way_correct(const at::Tensor& anchors, const at::Tensor& positives, const at::Tensor& negatives);

}  // namespace vgs::metrics
