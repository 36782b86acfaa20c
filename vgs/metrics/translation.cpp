// Nearest-centroid classification for the translation test (see translation.h).
#include "vgs/metrics/translation.h"

#include <ATen/ATen.h>

#include <map>

#include "vgs/core/error.h"
#include "vgs/core/log.h"

namespace vgs::metrics {

namespace {

constexpr const char* kFunction = "nearest_centroid";

std::string shape_of(const at::Tensor& t) { return t.defined() ? log::cat(t.sizes()) : std::string("undefined"); }

void require(bool ok, const std::string& message) {
  if (!ok) throw Error(std::string(kFunction) + ": " + message);
}

void check_rows(const at::Tensor& rows, const std::vector<std::string>& labels, const char* name) {
  require(rows.defined() && rows.dim() == 2 && rows.is_floating_point(),
          log::cat(name, " must be floating point [rows, E], got ", shape_of(rows)));
  require(rows.size(0) >= 1, log::cat(name, " must have at least one row, got ", shape_of(rows)));
  require(static_cast<int64_t>(labels.size()) == rows.size(0),
          log::cat("one ", name, " label per row needed, got ", labels.size(), " labels for ", rows.size(0), " rows"));
}

// Row indices per label; std::map keeps the labels sorted, which is the tie-break order.
std::map<std::string, std::vector<int64_t>> rows_by_label(const std::vector<std::string>& labels) {
  std::map<std::string, std::vector<int64_t>> rows;
  for (size_t i = 0; i < labels.size(); ++i) rows[labels[i]].push_back(static_cast<int64_t>(i));
  return rows;
}

// [C, E] float64: each label's mean row, L2-normalised (me-vgs's centroids are compared as unit vectors).
at::Tensor unit_centroids(const at::Tensor& train, const std::map<std::string, std::vector<int64_t>>& rows) {
  std::vector<at::Tensor> centroids;
  for (const auto& [label, indices] : rows) {
    at::Tensor index = at::tensor(indices, at::TensorOptions().dtype(at::kLong));
    centroids.push_back(train.index_select(0, index).mean(0));
  }
  at::Tensor c = at::stack(centroids);
  // A zero centroid stays zero rather than becoming NaN (sklearn's normalize does the same).
  return c / c.norm(2, {1}, true).clamp_min(1e-300);
}

}  // namespace

CentroidResult nearest_centroid(const at::Tensor& train, const std::vector<std::string>& train_labels,
                                const at::Tensor& test, const std::vector<std::string>& test_labels) {
  check_rows(train, train_labels, "train");
  check_rows(test, test_labels, "test");
  require(train.size(1) == test.size(1), log::cat("train and test must have the same embedding size, got train ",
                                                  shape_of(train), " and test ", shape_of(test)));
  const auto rows = rows_by_label(train_labels);
  const at::Tensor train64 = train.to(at::kCPU, at::kDouble);
  const at::Tensor test64 = test.to(at::kCPU, at::kDouble);
  const at::Tensor centroids = unit_centroids(train64, rows);
  // compute_mode 2: exact differences, not the |x|^2 - 2xy + |y|^2 shortcut, whose rounding could
  // break exact ties; argmin returns the first minimum, i.e. the label that sorts first.
  const at::Tensor distances = at::cdist(test64, centroids, 2.0, /*compute_mode=*/2);
  const at::Tensor nearest = distances.argmin(1).contiguous();
  std::vector<std::string> labels;
  for (const auto& entry : rows) labels.push_back(entry.first);

  CentroidResult result;
  result.items = test.size(0);
  const int64_t* index = nearest.data_ptr<int64_t>();
  for (int64_t i = 0; i < result.items; ++i) {
    result.predicted.push_back(labels[index[i]]);
    // A label without a centroid never equals the prediction, so it is a miss by construction.
    result.correct += result.predicted.back() == test_labels[i] ? 1 : 0;
    result.items_without_centroid += rows.count(test_labels[i]) == 0 ? 1 : 0;
  }
  result.accuracy = static_cast<double>(result.correct) / static_cast<double>(result.items);
  return result;
}

}  // namespace vgs::metrics
