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
  int64_t items_without_centroid = 0;   // test rows whose label has no train rows (all counted wrong)
};

// train [N, E] with train_labels (N of them), test [M, E] with test_labels (M); floating point, N, M >= 1.
// Each train label's centroid is the mean of its rows, then L2-normalised (a zero mean stays zero);
// a test row, as given (not normalised), gets the label of the centroid at the smallest Euclidean
// distance, a tie going to the label that sorts first. Computed in float64 like sklearn.
// A test row whose label has no train rows (a word never heard in the source language) cannot be
// classified right: it is predicted like any other row, counted wrong, and counted in
// items_without_centroid (sklearn's score does the same: the prediction is always a train label).
// vgs::Error on shape mismatch or empty inputs.
CentroidResult nearest_centroid(const at::Tensor& train, const std::vector<std::string>& train_labels,
                                const at::Tensor& test, const std::vector<std::string>& test_labels);

}  // namespace vgs::metrics
