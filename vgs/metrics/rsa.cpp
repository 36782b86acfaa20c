// RDMs, rank and linear correlation, Procrustes and exemplar means (see rsa.h).
#include "vgs/metrics/rsa.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

#include "vgs/core/log.h"
#include "vgs/metrics/input_checks.h"

namespace vgs::metrics {

using detail::require;
using detail::shape_of;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// 1 - the cosine of every pair of rows; a zero row divides 0 by 0 (NaN), as scipy.
at::Tensor cosine_dissimilarity(const at::Tensor& x) {
  const at::Tensor unit = x / x.norm(2, {1}, true);
  return 1 - at::matmul(unit, unit.t());
}

// The upper triangle (k = 1) of a square matrix, row by row (scipy's squareform order).
std::vector<double> upper_triangle(const at::Tensor& m) {
  const int64_t n = m.size(0);
  auto v = m.accessor<double, 2>();
  std::vector<double> out;
  out.reserve(static_cast<size_t>(n * (n - 1) / 2));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i + 1; j < n; ++j) out.push_back(v[i][j]);
  return out;
}

// scipy.stats.rankdata(method='average'): 1-based ranks, tied values sharing the mean of their ranks.
std::vector<double> average_ranks(const std::vector<double>& values) {
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  for (size_t begin = 0; begin < order.size();) {
    size_t end = begin + 1;
    while (end < order.size() && values[order[end]] == values[order[begin]]) ++end;
    const double rank = (static_cast<double>(begin + 1) + static_cast<double>(end)) / 2;  // mean of begin+1..end
    for (size_t k = begin; k < end; ++k) ranks[order[k]] = rank;
    begin = end;
  }
  return ranks;
}

bool has_nan(const std::vector<double>& v) {
  return std::any_of(v.begin(), v.end(), [](double x) { return std::isnan(x); });
}

void check_pair(const std::vector<double>& a, const std::vector<double>& b, const char* function) {
  require(a.size() == b.size() && a.size() >= 2, function,
          log::cat("a and b must have the same length, at least 2, got ", a.size(), " and ", b.size()));
}

// The square [N, N] float64 matrix `name`, N >= 3.
at::Tensor square64(const at::Tensor& m, const char* name) {
  require(m.defined() && m.dim() == 2 && m.is_floating_point() && m.size(0) == m.size(1) && m.size(0) >= 3, "rsa",
          log::cat(name, " must be a floating point [N, N] matrix with N >= 3, got ", shape_of(m)));
  return m.to(at::kCPU, at::kDouble).contiguous();
}

// x as scipy.spatial.procrustes prepares it: centred, scaled to unit Frobenius norm.
at::Tensor standardized(const at::Tensor& x, const char* name) {
  const at::Tensor centred = x - x.mean(0, true);
  const double norm = centred.norm().item<double>();
  require(norm > 0, "procrustes", log::cat(name, " needs more than one distinct row"));
  return centred / norm;
}

// scipy.linalg.orthogonal_procrustes(a, b): R = U V^T from the SVD of a^T b, and the sum of its
// singular values (the scale).
std::pair<at::Tensor, double> orthogonal_procrustes(const at::Tensor& a, const at::Tensor& b) {
  const auto [U, S, Vt] = at::linalg_svd(at::matmul(a.t(), b), /*full_matrices=*/false);
  return {at::matmul(U, Vt), S.sum().item<double>()};
}

}  // namespace

at::Tensor rdm(const at::Tensor& x, RdmMetric m) {
  const at::Tensor x64 = detail::rows64(x, 2, "rdm");
  at::Tensor d;
  switch (m) {
    case RdmMetric::correlation: d = cosine_dissimilarity(x64 - x64.mean(1, true)); break;
    case RdmMetric::cosine: d = cosine_dissimilarity(x64); break;
    case RdmMetric::euclidean: d = at::cdist(x64, x64, 2.0, /*compute_mode=*/2); break;  // 2: exact differences
  }
  return d.fill_diagonal_(0);
}

double pearson(const std::vector<double>& a, const std::vector<double>& b) {
  check_pair(a, b, "pearson");
  if (has_nan(a) || has_nan(b)) return kNaN;
  const double n = static_cast<double>(a.size());
  const double mean_a = std::accumulate(a.begin(), a.end(), 0.0) / n, mean_b = std::accumulate(b.begin(), b.end(), 0.0) / n;
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double da = a[i] - mean_a, db = b[i] - mean_b;
    ab += da * db;
    aa += da * da;
    bb += db * db;
  }
  if (aa == 0 || bb == 0) return kNaN;  // a constant vector has no correlation
  return std::clamp(ab / (std::sqrt(aa) * std::sqrt(bb)), -1.0, 1.0);
}

double spearman(const std::vector<double>& a, const std::vector<double>& b) {
  check_pair(a, b, "spearman");
  if (has_nan(a) || has_nan(b)) return kNaN;
  return pearson(average_ranks(a), average_ranks(b));
}

double rsa(const at::Tensor& rdm_a, const at::Tensor& rdm_b) {
  const at::Tensor a = square64(rdm_a, "rdm_a"), b = square64(rdm_b, "rdm_b");
  require(a.size(0) == b.size(0), "rsa",
          log::cat("rdm_a and rdm_b must be of the same items, got ", shape_of(rdm_a), " and ", shape_of(rdm_b)));
  return spearman(upper_triangle(a), upper_triangle(b));
}

ProcrustesResult procrustes(const at::Tensor& x, const at::Tensor& y) {
  const at::Tensor x64 = detail::rows64(x, 2, "procrustes", "x"), y64 = detail::rows64(y, 2, "procrustes", "y");
  require(x64.sizes() == y64.sizes(), "procrustes",
          log::cat("x and y must have the same shape, got x ", shape_of(x), " and y ", shape_of(y)));
  const at::Tensor unit_x = standardized(x64, "x"), unit_y = standardized(y64, "y");
  ProcrustesResult r;
  r.rotation = orthogonal_procrustes(x64, y64).first;
  r.residual = (at::matmul(x64, r.rotation) - y64).norm().item<double>() / y64.norm().item<double>();
  // scipy.spatial.procrustes fits the second matrix to the first: rotate y's onto x's and scale.
  const auto [rotation, scale] = orthogonal_procrustes(unit_x, unit_y);
  r.scale_free_disparity = (unit_x - at::matmul(unit_y, rotation.t()) * scale).pow(2).sum().item<double>();
  return r;
}

at::Tensor aggregate_exemplars(const at::Tensor& x, const std::vector<std::string>& labels,
                               std::vector<std::string>* concepts) {
  const at::Tensor x64 = detail::rows64(x, 1, "aggregate_exemplars");
  detail::require_one_label_per_row(labels, x64.size(0), "aggregate_exemplars");
  std::map<std::string, int64_t> index;  // concept -> its row in the output
  std::vector<std::string> order;
  std::vector<int64_t> rows;
  for (const std::string& label : labels) {
    auto [found, added] = index.emplace(label, static_cast<int64_t>(order.size()));
    if (added) order.push_back(label);
    rows.push_back(found->second);
  }
  const auto count = static_cast<int64_t>(order.size());
  const at::Tensor members = at::one_hot(at::tensor(rows, at::TensorOptions().dtype(at::kLong)), count).to(at::kDouble);
  const at::Tensor means = at::matmul(members.t(), x64) / members.sum(0).unsqueeze(1);
  if (concepts) *concepts = order;
  return means;
}

}  // namespace vgs::metrics
