// Nearest-centroid classification, me-vgs's cross-lingual translation test: centroids of one
// language's word embeddings classify the other language's (sklearn NearestCentroid, Euclidean).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace vgs::metrics {

struct CentroidResult {
  int64_t items = 0, correct = 0;
  double accuracy = 0;                  // correct / items
  std::vector<std::string> predicted;   // one label per test row
};

// train [N, E] with train_labels (N of them), test [M, E] with test_labels (M); floating point, N, M >= 1.
// Each train label's centroid is the mean of its rows, then L2-normalised (a zero mean stays zero);
// a test row, as given (not normalised), gets the label of the centroid at the smallest Euclidean
// distance, a tie going to the label that sorts first. Computed in float64 like sklearn.
// vgs::Error on shape mismatch, empty inputs, or a test label not among the train labels (named).
CentroidResult nearest_centroid(const at::Tensor& train, const std::vector<std::string>& train_labels,
                                const at::Tensor& test, const std::vector<std::string>& test_labels);

}  // namespace vgs::metrics
