// The two-way matching test (see two_way.h).
#include "vgs/metrics/two_way.h"

#include <ATen/ATen.h>

#include "vgs/core/error.h"
#include "vgs/core/log.h"

namespace vgs::metrics {

namespace {

std::string shape_of(const at::Tensor& t) { return t.defined() ? log::cat(t.sizes()) : std::string("undefined"); }

void check_rows(const at::Tensor& t, const char* name) {
  if (!t.defined() || t.dim() != 2 || !t.is_floating_point()) {
    throw Error(log::cat("two_way_correct: ", name, " must be floating point [N, E], got ", shape_of(t)));
  }
}

}  // namespace

at::Tensor two_way_correct(const at::Tensor& anchors, const at::Tensor& positives, const at::Tensor& negatives) {
  check_rows(anchors, "anchors");
  check_rows(positives, "positives");
  check_rows(negatives, "negatives");
  if (positives.sizes() != anchors.sizes() || negatives.sizes() != anchors.sizes()) {
    throw Error(log::cat("two_way_correct: anchors, positives and negatives must have the same shape [N, E], got ",
                         shape_of(anchors), ", ", shape_of(positives), " and ", shape_of(negatives)));
  }
  const at::Tensor positive = (anchors * positives).sum(1);
  const at::Tensor negative = (anchors * negatives).sum(1);
  return positive >= negative;  // >=: a tie is correct, as me-vgs's argmax picks the first (positive) score
}

}  // namespace vgs::metrics
