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

// sklearn.metrics.silhouette_samples: for row i with label l, a = the mean distance to the other rows
// of l, b = the smallest mean distance to the rows of another label, s = (b - a) / max(a, b); a row
// whose label has no other row has s = 0 (and so does a row with a = b = 0). cosine distance is
// 1 - cos clipped to [0, 2] (a zero row has distance 1 to everything), euclidean the plain distance
// (computed exactly; sklearn's dot-product form rounds to about 1e-8). At least 2 distinct labels and
// fewer distinct labels than rows.
std::vector<double> silhouette_samples(const at::Tensor& x, const std::vector<std::string>& labels, Distance d);
// sklearn.metrics.silhouette_score: the mean of silhouette_samples over all rows.
double silhouette(const at::Tensor& x, const std::vector<std::string>& labels, Distance d);

struct LdaOptions {
  int64_t resamples = 1000;   // bootstrap resamples of the leave-one-out correctness, >= 1
  uint64_t seed = 0;          // of the bootstrap draws (core::mix_seed, core::uniform_index: portable)
  double confidence = 0.95;   // of the percentile interval, in (0, 1)
  int64_t components = 2;     // columns of the projection asked for, >= 1
};

struct LdaResult {
  double accuracy = 0;                    // leave-one-out accuracy: correct predictions / N
  double ci_low = 0, ci_high = 0;         // percentile bootstrap interval of the accuracy (see below)
  std::vector<std::string> predictions;   // the leave-one-out prediction of each row, as sklearn's
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
LdaResult lda_leave_one_out(const at::Tensor& x, const std::vector<std::string>& labels, const LdaOptions& o = {});

}  // namespace vgs::metrics
