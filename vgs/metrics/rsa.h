// Representational similarity analysis: dissimilarity matrices (RDMs) of embeddings and their rank
// correlation, the correlations themselves, orthogonal Procrustes alignment of two spaces, and the
// concept means that such comparisons are often made on. Each matches scipy (named per function).
#pragma once

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

namespace vgs::metrics {

// Matrices are floating point, computed in float64. vgs::Error on a wrong shape or too few rows.

enum class RdmMetric { correlation, cosine, euclidean };

// The [N, N] float64 dissimilarities between the rows of x [N, E] (N >= 2), zero on the diagonal:
// scipy.spatial.distance.squareform(pdist(x, metric)). correlation: 1 - the Pearson correlation of
// two rows (each row centred on its own mean); cosine: 1 - cos; euclidean: the exact distance. A
// constant row (correlation) or a zero row (cosine) gives NaN off the diagonal, as scipy.
at::Tensor rdm(const at::Tensor& x, RdmMetric m);

// scipy.stats.spearmanr of the upper triangles (above the diagonal, row by row) of two [N, N] RDMs,
// N >= 3: ranks with ties given their average rank, then their Pearson correlation. NaN when either
// triangle is constant or holds a NaN.
double rsa(const at::Tensor& rdm_a, const at::Tensor& rdm_b);

// scipy.stats.spearmanr(a, b).statistic and scipy.stats.pearsonr(a, b).statistic of two vectors of
// the same length >= 2; NaN when either is constant or holds a NaN. Pearson is clipped to [-1, 1].
double spearman(const std::vector<double>& a, const std::vector<double>& b);
double pearson(const std::vector<double>& a, const std::vector<double>& b);

struct ProcrustesResult {
  at::Tensor rotation;          // float64 [D, D] orthogonal R minimising ||x R - y||_F
                                // (scipy.linalg.orthogonal_procrustes(x, y)[0]: U V^T of the SVD of x^T y)
  double residual = 0;          // ||x R - y||_F / ||y||_F: 0 when x is y rotated, 1 when nothing aligns
  double scale_free_disparity = 0;  // scipy.spatial.procrustes(x, y)[2]: both centred and scaled to unit
                                    // Frobenius norm, y's fitted to x's by rotation and scale; the sum of
                                    // the squared differences, in [0, 1] and symmetric in x and y
};

// Orthogonal Procrustes of x [N, D] onto y [N, D] (the same shape; row i of both is the same item),
// on x and y as given (no centring for rotation and residual). N >= 2, and neither may have all rows
// equal (scipy's "more than one unique point").
ProcrustesResult procrustes(const at::Tensor& x, const at::Tensor& y);

// The mean row of each concept (labels: one per row of x [N, E], N >= 1), as float64 [C, E] with the
// concepts in the order they are first seen; their names go to *concepts (when not null).
at::Tensor aggregate_exemplars(const at::Tensor& x, const std::vector<std::string>& labels,
                               std::vector<std::string>* concepts);

}  // namespace vgs::metrics
