// Cross-modal retrieval metrics (recall at 1/5/10, mean and median rank) of query embeddings
// against a gallery, scored by dot product: audio-to-image and image-to-audio retrieval in vgs-eval.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace vgs::metrics {

struct RetrievalResult {
  int64_t queries = 0;
  double r1 = 0, r5 = 0, r10 = 0;  // fraction of queries whose rank is <= 1, 5, 10
  double mean_rank = 0, median_rank = 0;
};

// queries [Q, E], gallery [G, E] (floating point, Q, G >= 1); relevant[q] = the gallery rows that are
// right answers for query q (at least one each, indices in 0..G-1). score = dot product; the rank of a
// query is 1 + the number of gallery rows scoring strictly higher than its best-scoring relevant row,
// so any relevant row counts (one-to-many) and ties go in the query's favour. The median of an even
// count of ranks is the mean of the two middle ones. vgs::Error on shape mismatch, empty inputs, a
// query without relevant rows or an index out of range.
RetrievalResult retrieval(const at::Tensor& queries, const at::Tensor& gallery,
                          const std::vector<std::vector<int64_t>>& relevant);

// retrieval() with relevant[q] = every gallery row whose label equals query_labels[q] (one label per
// row each). vgs::Error naming the label for a query label absent from gallery_labels.
RetrievalResult retrieval_by_label(const at::Tensor& queries, const std::vector<std::string>& query_labels,
                                   const at::Tensor& gallery, const std::vector<std::string>& gallery_labels);

}  // namespace vgs::metrics
