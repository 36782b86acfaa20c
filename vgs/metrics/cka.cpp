// Linear CKA, plain and debiased (see cka.h).
#include "vgs/metrics/cka.h"

#include <ATen/ATen.h>

#include <cmath>
#include <utility>

#include "vgs/core/error.h"
#include "vgs/core/log.h"
#include "vgs/metrics/input_checks.h"

namespace vgs::metrics {

using detail::require;
using detail::shape_of;

namespace {

// x and y as float64 with the same number of rows (at least min_rows), their columns centred.
std::pair<at::Tensor, at::Tensor> centred_pair(const at::Tensor& x, const at::Tensor& y, int64_t min_rows,
                                               const char* function) {
  at::Tensor x64 = detail::rows64(x, min_rows, function, "x");
  at::Tensor y64 = detail::rows64(y, min_rows, function, "y");
  require(x64.size(0) == y64.size(0), function,
          log::cat("x and y must have the same rows, got x ", shape_of(x), " and y ", shape_of(y)));
  return {x64 - x64.mean(0, true), y64 - y64.mean(0, true)};
}

// The Gram matrix with its diagonal set to 0 (the K~ of HSIC_1).
at::Tensor hollow_gram(const at::Tensor& x) { return at::matmul(x, x.t()).fill_diagonal_(0); }

// Song et al. 2012's unbiased HSIC_1 of two hollow Gram matrices (symmetric, so tr(K L) is the sum of
// K * L and 1^T K L 1 the dot product of their column sums).
double hsic1(const at::Tensor& k, const at::Tensor& l) {
  const double n = static_cast<double>(k.size(0));
  const double trace = (k * l).sum().item<double>();
  const double sums = k.sum().item<double>() * l.sum().item<double>() / ((n - 1) * (n - 2));
  const double cross = (k.sum(0) * l.sum(0)).sum().item<double>() * 2 / (n - 2);
  return (trace + sums - cross) / (n * (n - 3));
}

}  // namespace

double linear_cka(const at::Tensor& x, const at::Tensor& y) {
  const auto [xc, yc] = centred_pair(x, y, 2, "linear_cka");
  const double n = static_cast<double>(xc.size(0)), d1 = static_cast<double>(xc.size(1)),
               d2 = static_cast<double>(yc.size(1));
  // Both forms are the same number; take the cheaper: N x N Gram matrices when N is small against
  // the widths, D x D cross-products otherwise.
  if (n * (d1 + d2) < d1 * d2 + d1 * d1 + d2 * d2) {
    const at::Tensor k = at::matmul(xc, xc.t()), l = at::matmul(yc, yc.t());
    return (k * l).sum().item<double>() / (k.norm().item<double>() * l.norm().item<double>());
  }
  const double cross = at::matmul(yc.t(), xc).pow(2).sum().item<double>();
  return cross / (at::matmul(xc.t(), xc).norm().item<double>() * at::matmul(yc.t(), yc).norm().item<double>());
}

double unbiased_linear_cka(const at::Tensor& x, const at::Tensor& y) {
  // Centring does not change HSIC_1 but keeps the Gram entries small, so less cancels in the sums.
  const auto [xc, yc] = centred_pair(x, y, 4, "unbiased_linear_cka");
  const at::Tensor k = hollow_gram(xc), l = hollow_gram(yc);
  return hsic1(k, l) / std::sqrt(hsic1(k, k) * hsic1(l, l));
}

at::Tensor cka_matrix(const std::vector<at::Tensor>& a, const std::vector<at::Tensor>& b, bool unbiased) {
  require(!a.empty() && !b.empty(), "cka_matrix",
          log::cat("a and b need at least one layer each, got ", a.size(), " and ", b.size()));
  at::Tensor out = at::empty({static_cast<int64_t>(a.size()), static_cast<int64_t>(b.size())}, at::kDouble);
  auto values = out.accessor<double, 2>();
  for (size_t i = 0; i < a.size(); ++i) {
    for (size_t j = 0; j < b.size(); ++j) {
      try {
        values[i][j] = unbiased ? unbiased_linear_cka(a[i], b[j]) : linear_cka(a[i], b[j]);
      } catch (const Error& e) {  // say which layers
        throw Error(log::cat("cka_matrix: a[", i, "] against b[", j, "]: ", e.what()));
      }
    }
  }
  return out;
}

}  // namespace vgs::metrics
