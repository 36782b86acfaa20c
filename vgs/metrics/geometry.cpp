// Embedding-space geometry (see geometry.h).
#include "vgs/metrics/geometry.h"

#include <ATen/ATen.h>

#include <map>

#include "vgs/core/error.h"
#include "vgs/core/log.h"

namespace vgs::metrics {

namespace {

std::string shape_of(const at::Tensor& t) { return t.defined() ? log::cat(t.sizes()) : std::string("undefined"); }

void require(bool ok, const char* function, const std::string& message) {
  if (!ok) throw Error(std::string(function) + ": " + message);
}

// x as float64 [N, E] on the CPU, with at least min_rows rows.
at::Tensor rows64(const at::Tensor& x, int64_t min_rows, const char* function, const char* name = "x") {
  require(x.defined() && x.dim() == 2 && x.is_floating_point(), function,
          log::cat(name, " must be floating point [N, E], got ", shape_of(x)));
  require(x.size(0) >= min_rows, function,
          log::cat(name, " needs at least ", min_rows == 1 ? "one row" : log::cat(min_rows, " rows"), ", got ", shape_of(x)));
  return x.to(at::kCPU, at::kDouble);
}

// Rows scaled to unit length; a zero row stays zero (F.normalize's guard) instead of becoming NaN.
at::Tensor unit_rows(const at::Tensor& x) { return x / x.norm(2, {1}, true).clamp_min(1e-12); }

// Trace of the ddof-1 covariance: the summed squared deviations from the mean, over N - 1.
double covariance_trace(const at::Tensor& x) {
  const at::Tensor centred = x - x.mean(0, true);
  return centred.pow(2).sum().item<double>() / static_cast<double>(x.size(0) - 1);
}

}  // namespace

double total_variance(const at::Tensor& x) {
  return covariance_trace(unit_rows(rows64(x, 2, "total_variance")));
}

double within_class_variance(const at::Tensor& x, const std::vector<std::string>& labels) {
  constexpr const char* function = "within_class_variance";
  const at::Tensor unit = unit_rows(rows64(x, 1, function));
  require(static_cast<int64_t>(labels.size()) == unit.size(0), function,
          log::cat("one label per row needed, got ", labels.size(), " labels for ", unit.size(0), " rows"));
  std::map<std::string, std::vector<int64_t>> rows;
  for (size_t i = 0; i < labels.size(); ++i) rows[labels[i]].push_back(static_cast<int64_t>(i));
  double sum = 0;
  int64_t classes = 0;
  for (const auto& [label, indices] : rows) {
    if (indices.size() < 2) continue;  // one row has no spread (and ddof 1 would divide by zero)
    sum += covariance_trace(unit.index_select(0, at::tensor(indices, at::TensorOptions().dtype(at::kLong))));
    ++classes;
  }
  require(classes > 0, function, "no label has at least 2 rows");
  return sum / static_cast<double>(classes);
}

double modality_gap(const at::Tensor& a, const at::Tensor& b) {
  constexpr const char* function = "modality_gap";
  const at::Tensor ua = unit_rows(rows64(a, 1, function, "a")), ub = unit_rows(rows64(b, 1, function, "b"));
  require(ua.size(1) == ub.size(1), function,
          log::cat("a and b must have the same embedding size, got a ", shape_of(a), " and b ", shape_of(b)));
  return (ua.mean(0) - ub.mean(0)).norm().item<double>();
}

double mean_cosine_similarity(const at::Tensor& x) {
  const at::Tensor unit = unit_rows(rows64(x, 2, "mean_cosine_similarity"));
  // sum over i != j of u_i . u_j = |sum_i u_i|^2 - sum_i |u_i|^2, without the [N, N] matrix.
  const double all_pairs = unit.sum(0).pow(2).sum().item<double>();
  const double self_pairs = unit.pow(2).sum().item<double>();
  const double n = static_cast<double>(unit.size(0));
  return (all_pairs - self_pairs) / (n * (n - 1));
}

Projection pca(const at::Tensor& x, int64_t k) {
  constexpr const char* function = "pca";
  const at::Tensor x64 = rows64(x, 2, function);
  const int64_t most = std::min(x64.size(0), x64.size(1));
  require(k >= 1 && k <= most, function, log::cat("k must be in 1..", most, " for x ", shape_of(x), ", got ", k));
  const at::Tensor centred = x64 - x64.mean(0, true);
  const auto [U, S, Vh] = at::linalg_svd(centred, /*full_matrices=*/false);
  (void)U;
  at::Tensor components = Vh.narrow(0, 0, k);  // [k, E], by decreasing singular value
  // svd_flip: the sign of an SVD component is arbitrary; make its largest-|.| loading positive.
  const at::Tensor loading = components.gather(1, components.abs().argmax(1, true));  // [k, 1]
  components = components * (1 - 2 * (loading < 0).to(at::kDouble));
  Projection p;
  p.points = at::matmul(centred, components.t());
  const at::Tensor variance = S.pow(2);  // each component's variance, times N - 1 (cancels in the ratio)
  const double total = variance.sum().item<double>();
  for (int64_t i = 0; i < k; ++i) p.explained_variance_ratio.push_back(variance[i].item<double>() / total);
  return p;
}

}  // namespace vgs::metrics
