// The geometry of an embedding space, me-vgs's variance analysis: total and within-class variance,
// the modality gap, mean cosine similarity, and a PCA projection for plots.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace vgs::metrics {

// Every function here but pca() first L2-normalises the rows of its input (the model compares unit
// vectors, so their length carries no meaning), then computes in float64. x is floating point [N, E].
// A zero row stays zero. vgs::Error on a wrong shape or too few rows.

// Trace of the covariance (ddof 1, numpy's np.trace(np.cov(x.T))) of the unit rows; N >= 2.
double total_variance(const at::Tensor& x);

// Mean of total_variance over the labels with at least 2 rows (labels: one per row); at least one
// such label is needed.
double within_class_variance(const at::Tensor& x, const std::vector<std::string>& labels);

// Euclidean distance between the mean unit row of a [N, E] and that of b [M, E] (Liang et al. 2022,
// "Mind the Gap"); N, M >= 1.
double modality_gap(const at::Tensor& a, const at::Tensor& b);

// Mean cosine similarity over the ordered pairs of distinct rows i != j; N >= 2.
double mean_cosine_similarity(const at::Tensor& x);

struct Projection {
  at::Tensor points;                              // [N, k] float64: the centred rows on the components
  std::vector<double> explained_variance_ratio;   // k values, each component's share of the total variance
};

// PCA of x [N, E] (N >= 2, 1 <= k <= min(N, E)), NOT normalised (callers pass what they want
// projected): centred, SVD in float64, the top k components, each signed so that its largest-|.|
// loading is positive (deterministic, like sklearn's svd_flip on the components). Rows that are all
// equal have no variance to explain: the ratios are then NaN.
Projection pca(const at::Tensor& x, int64_t k);

}  // namespace vgs::metrics
