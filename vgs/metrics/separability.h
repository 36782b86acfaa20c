// How well labelled embeddings separate by their labels (concepts, words, speakers): the silhouette
// coefficient (geometry of the classes as they are) and linear discriminant analysis with
// leave-one-out accuracy (what a linear read-out can tell apart), both matching scikit-learn.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace vgs::metrics {

// x is floating point [N, E], computed in float64; labels has one string per row. vgs::Error on a
// wrong shape, a label count that is not N, or the label counts each function names.

enum class Distance { cosine, euclidean };

// The [N, N] distances between the rows of x (float64 [N, E]) as silhouette_samples uses them.
at::Tensor pairwise_distances(const at::Tensor& x, Distance d);

// sklearn.metrics.silhouette_samples: for row i with label l, a = the mean distance to the other rows
// of l, b = the smallest mean distance to the rows of another label, s = (b - a) / max(a, b); a row
// whose label has no other row has s = 0 (and so does a row with a = b = 0). cosine distance is
// 1 - cos clipped to [0, 2] (a zero row has distance 1 to everything), euclidean the plain distance
// (computed exactly; sklearn's dot-product form rounds to about 1e-8). At least 2 distinct labels and
// fewer distinct labels than rows.
std::vector<double> silhouette_samples(const at::Tensor& x, const std::vector<std::string>& labels, Distance d);
// sklearn.metrics.silhouette_score: the mean of silhouette_samples over all rows.
double silhouette(const at::Tensor& x, const std::vector<std::string>& labels, Distance d);

// How lda_leave_one_out gets each row's prediction (both give sklearn's; see below).
enum class LdaPath {
  automatic,  // the rank-one update where it is exact, a refit for the other rows
  refit,      // a refit without the row for every row (N SVDs: slow; kept to check the other)
};

struct LdaOptions {
  int64_t resamples = 1000;   // bootstrap resamples of the leave-one-out correctness, >= 1
  uint64_t seed = 0;          // of the bootstrap draws (core::mix_seed, core::uniform_index: portable)
  double confidence = 0.95;   // of the percentile interval, in (0, 1)
  int64_t components = 2;     // columns of the projection asked for, >= 1
  LdaPath path = LdaPath::automatic;
};

struct LdaResult {
  double accuracy = 0;                    // leave-one-out accuracy: correct predictions / N
  double ci_low = 0, ci_high = 0;         // percentile bootstrap interval of the accuracy (see below)
  std::vector<std::string> predictions;   // the leave-one-out prediction of each row, as sklearn's
  int64_t refitted = 0;                   // rows whose prediction came from a refit
  at::Tensor projection;                  // float64 [N, k]: sklearn's LinearDiscriminantAnalysis(n_components=k)
                                          // fitted on all rows, .transform(x)
};

// Linear discriminant analysis as sklearn's LinearDiscriminantAnalysis() with its defaults (solver
// 'svd', tol 1e-4, no shrinkage, priors from the class frequencies of the rows fitted): for every
// row, the model fitted on all the other rows predicts it, so the predictions are those of
// sklearn.model_selection.cross_val_predict(LinearDiscriminantAnalysis(), x, labels, cv=LeaveOneOut())
// (a row whose label has no other row can only be predicted as some other label).
// The interval: `resamples` times, N rows are drawn with replacement and the accuracy of their
// predictions taken; ci_low and ci_high are the (1 - confidence)/2 and (1 + confidence)/2 quantiles of
// those accuracies (numpy's linear interpolation). The same seed gives the same interval.
// The projection has k = min(components, classes - 1, E, rank) columns, as sklearn's transform
// (which stops at the rank of the class means in the whitened space); each column's sign is the one
// LAPACK's SVD gives, so it may differ from sklearn's.
// At least 2 distinct labels and more than (distinct labels + 1) rows, so that every fit has more rows
// than classes.
// Cost. With a within-class scatter of full rank (N - C > E, and well conditioned) the svd solver's
// rule is the classic one, argmax_k x'S^-1 mu_k - mu_k'S^-1 mu_k / 2 + log prior_k with S the pooled
// within-class covariance (denominator N: sklearn's fac = 1/N), and leaving row i out changes S, mu_c,
// N and the priors by rank one: every row's prediction follows from one eigendecomposition of S
// (Sherman-Morrison), O(N E^2 + N C^2) in all. A row is refitted instead when that is not provably
// what the refit computes: its class has one row, the refit's within scatter could lose a direction
// (smallest eigenvalue of its correlation form, bounded below, within 100x of tol^2), the refit's class
// means could lose a direction (their whitened spectrum, computed per row), or its two best scores are
// within rounding of each other. Without full rank (E >= N - C) every row is refitted: the svd solver
// standardises each column by its within-class std, which every left-out row changes, so its
// pseudo-inverse has no low-rank update; the refits run in parallel over rows (at::parallel_for), each
// an SVD of an [N - 1, E] matrix.
LdaResult lda_leave_one_out(const at::Tensor& x, const std::vector<std::string>& labels, const LdaOptions& o = {});

}  // namespace vgs::metrics
