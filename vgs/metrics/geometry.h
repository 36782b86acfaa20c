// The geometry of an embedding space, me-vgs's analyses: total and within-class variance, the mean
// and std of the cosine similarities, per-word centroid distance and spread, a global modality gap,
// and a PCA projection for plots.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <map>
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

// Euclidean distance between the mean unit row of a [N, E] and that of b [M, E], the means NOT
// normalised (Liang et al. 2022, "Mind the Gap"): one global figure over whatever rows are given.
// Not me-vgs's modality distance, which is centroid_distance per word; N, M >= 1.
double modality_gap(const at::Tensor& a, const at::Tensor& b);

struct SimilarityStats {
  double mean = 0, std = 0;
};

// me-vgs's compute_average_sim (show_interspeech25_sec42.py, compute_average_similarity_per_modality):
// the [N, N] matrix of cosine similarities with its diagonal set to 0, and the mean and population
// std (ddof 0) of all N^2 entries, zeros included. So the mean is sum_{i != j} cos / N^2, not
// / N(N - 1): (N - 1) / N times the mean over distinct pairs. N >= 2.
SimilarityStats average_similarity(const at::Tensor& x);

// me-vgs's "distance" (show_explain_me.py, compute_modality_distance): the Euclidean distance between
// the mean unit row of a and that of b, each mean L2-normalised first. N, M >= 1.
double centroid_distance(const at::Tensor& a, const at::Tensor& b);

// me-vgs's "spread" (show_explain_me.py, compute_spread): the mean Euclidean distance of the unit
// rows to their mean, that mean L2-normalised. N >= 1.
double spread(const at::Tensor& x);

// The per-word figures of show_explain_me.py's compute_features for one word.
struct WordGeometry {
  int64_t audio_items = 0, image_items = 0;
  double centroid_distance = 0;   // "distance": audio centroid against image centroid, both unit
  double audio_spread = 0;        // "spread-audio"
  double image_spread = 0;        // "spread-image"
};

// WordGeometry for every word that has rows in both audio [N, E] (audio_words: one per row) and
// images [M, E] (image_words); a word in only one modality has no distance and is left out.
std::map<std::string, WordGeometry> per_word_geometry(const at::Tensor& audio, const std::vector<std::string>& audio_words,
                                                      const at::Tensor& images, const std::vector<std::string>& image_words);

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
