// Centred kernel alignment (CKA) with linear kernels: how alike two representations of the same N
// items are, whatever their widths (layer against layer, model against model). Kornblith et al. 2019,
// "Similarity of Neural Network Representations Revisited"; the debiased form of Nguyen et al. 2021,
// "Do Wide and Deep Networks Learn the Same Things?".
#pragma once

#include <ATen/core/Tensor.h>

#include <vector>

namespace vgs::metrics {

// x [N, D1] and y [N, D2] are floating point with the same rows (row i of x and of y are the same
// item), computed in float64. vgs::Error on a wrong shape, different row counts or too few rows.

// Linear CKA: with the columns of x and y centred,
//   ||y^T x||_F^2 / (||x^T x||_F ||y^T y||_F)
// (equivalently <K, L>_F / (||K||_F ||L||_F) for the centred Gram matrices K = x x^T, L = y y^T, the
// form used when N is small against the widths). In [0, 1]; 1 for identical inputs; invariant to an
// orthogonal transform and to an isotropic scaling of either input. NaN when x or y is constant (no
// variance). N >= 2.
double linear_cka(const at::Tensor& x, const at::Tensor& y);

// Debiased linear CKA: HSIC_1(K, L) / sqrt(HSIC_1(K, K) HSIC_1(L, L)) with K = x x^T, L = y y^T and
// the unbiased estimator of Song et al. 2012 (Nguyen et al. 2021, eq. 3), K~ and L~ being K and L
// with their diagonals set to 0:
//   HSIC_1(K, L) = [tr(K~ L~) + (1^T K~ 1)(1^T L~ 1) / ((N-1)(N-2)) - 2/(N-2) 1^T K~ L~ 1] / (N(N-3)).
// The estimator ignores a shift of the rows, so centring x and y first changes nothing. Unlike
// linear_cka it can be slightly negative, and NaN when HSIC_1(K, K) or HSIC_1(L, L) is not positive
// (few rows). N >= 4.
double unbiased_linear_cka(const at::Tensor& x, const at::Tensor& y);

// The [A, B] float64 matrix of linear_cka (unbiased: unbiased_linear_cka) between layer i of a and
// layer j of b; every layer [N, Di] with the same N. A and B >= 1.
at::Tensor cka_matrix(const std::vector<at::Tensor>& a, const std::vector<at::Tensor>& b, bool unbiased);

}  // namespace vgs::metrics
