// Embedding-space geometry (see geometry.h).
#include "vgs/metrics/geometry.h"

#include <ATen/ATen.h>

#include <map>

#include "vgs/core/error.h"
#include "vgs/core/log.h"

namespace vgs::metrics {

namespace {

std::string shape_of(const at::Tensor& t) { return t.defined() ? log::cat(t.sizes()) : std::string("undefined"); }

void require(bool ok, const char* function, const std::string& message) {
  if (!ok) throw Error(std::string(function) + ": " + message);
}

// x as float64 [N, E] on the CPU, with at least min_rows rows.
at::Tensor rows64(const at::Tensor& x, int64_t min_rows, const char* function, const char* name = "x") {
  require(x.defined() && x.dim() == 2 && x.is_floating_point(), function,
          log::cat(name, " must be floating point [N, E], got ", shape_of(x)));
  require(x.size(0) >= min_rows, function,
          log::cat(name, " needs at least ", min_rows == 1 ? "one row" : log::cat(min_rows, " rows"), ", got ", shape_of(x)));
  return x.to(at::kCPU, at::kDouble);
}

// Rows scaled to unit length; a zero row stays zero (F.normalize's guard) instead of becoming NaN.
at::Tensor unit_rows(const at::Tensor& x) { return x / x.norm(2, {1}, true).clamp_min(1e-12); }

// The mean row scaled to unit length (me-vgs's centroids); a zero mean stays zero.
at::Tensor unit_mean(const at::Tensor& unit) { return unit_rows(unit.mean(0, true)).squeeze(0); }

// Row indices per label, labels sorted.
std::map<std::string, std::vector<int64_t>> rows_by_label(const std::vector<std::string>& labels) {
  std::map<std::string, std::vector<int64_t>> rows;
  for (size_t i = 0; i < labels.size(); ++i) rows[labels[i]].push_back(static_cast<int64_t>(i));
  return rows;
}

at::Tensor select_rows(const at::Tensor& x, const std::vector<int64_t>& indices) {
  return x.index_select(0, at::tensor(indices, at::TensorOptions().dtype(at::kLong)));
}

// The unit rows of x, with one label per row required.
at::Tensor labelled_unit_rows(const at::Tensor& x, const std::vector<std::string>& labels, const char* function,
                              const char* name = "x") {
  const at::Tensor unit = unit_rows(rows64(x, 1, function, name));
  require(static_cast<int64_t>(labels.size()) == unit.size(0), function,
          log::cat("one label per row of ", name, " needed, got ", labels.size(), " labels for ", unit.size(0), " rows"));
  return unit;
}

// Trace of the ddof-1 covariance: the summed squared deviations from the mean, over N - 1.
double covariance_trace(const at::Tensor& x) {
  const at::Tensor centred = x - x.mean(0, true);
  return centred.pow(2).sum().item<double>() / static_cast<double>(x.size(0) - 1);
}

}  // namespace

double total_variance(const at::Tensor& x) {
  return covariance_trace(unit_rows(rows64(x, 2, "total_variance")));
}

double within_class_variance(const at::Tensor& x, const std::vector<std::string>& labels) {
  constexpr const char* function = "within_class_variance";
  const at::Tensor unit = labelled_unit_rows(x, labels, function);
  double sum = 0;
  int64_t classes = 0;
  for (const auto& [label, indices] : rows_by_label(labels)) {
    if (indices.size() < 2) continue;  // one row has no spread (and ddof 1 would divide by zero)
    sum += covariance_trace(select_rows(unit, indices));
    ++classes;
  }
  require(classes > 0, function, "no label has at least 2 rows");
  return sum / static_cast<double>(classes);
}

double modality_gap(const at::Tensor& a, const at::Tensor& b) {
  constexpr const char* function = "modality_gap";
  const at::Tensor ua = unit_rows(rows64(a, 1, function, "a")), ub = unit_rows(rows64(b, 1, function, "b"));
  require(ua.size(1) == ub.size(1), function,
          log::cat("a and b must have the same embedding size, got a ", shape_of(a), " and b ", shape_of(b)));
  return (ua.mean(0) - ub.mean(0)).norm().item<double>();
}

SimilarityStats average_similarity(const at::Tensor& x) {
  const at::Tensor unit = unit_rows(rows64(x, 2, "average_similarity"));
  // The diagonal is zeroed, not dropped: it still counts in the N^2 entries averaged, as in me-vgs.
  const at::Tensor cosines = at::matmul(unit, unit.t()).fill_diagonal_(0);
  SimilarityStats stats;
  stats.mean = cosines.mean().item<double>();
  stats.std = cosines.std(/*unbiased=*/false).item<double>();  // numpy's default ddof 0
  return stats;
}

double centroid_distance(const at::Tensor& a, const at::Tensor& b) {
  constexpr const char* function = "centroid_distance";
  const at::Tensor ua = unit_rows(rows64(a, 1, function, "a")), ub = unit_rows(rows64(b, 1, function, "b"));
  require(ua.size(1) == ub.size(1), function,
          log::cat("a and b must have the same embedding size, got a ", shape_of(a), " and b ", shape_of(b)));
  return (unit_mean(ua) - unit_mean(ub)).norm().item<double>();
}

double spread(const at::Tensor& x) {
  const at::Tensor unit = unit_rows(rows64(x, 1, "spread"));
  return (unit - unit_mean(unit)).norm(2, {1}).mean().item<double>();
}

std::map<std::string, WordGeometry> per_word_geometry(const at::Tensor& audio, const std::vector<std::string>& audio_words,
                                                      const at::Tensor& images, const std::vector<std::string>& image_words) {
  constexpr const char* function = "per_word_geometry";
  const at::Tensor unit_audio = labelled_unit_rows(audio, audio_words, function, "audio");
  const at::Tensor unit_images = labelled_unit_rows(images, image_words, function, "images");
  require(unit_audio.size(1) == unit_images.size(1), function,
          log::cat("audio and images must have the same embedding size, got audio ", shape_of(audio), " and images ",
                   shape_of(images)));
  const auto image_rows = rows_by_label(image_words);
  std::map<std::string, WordGeometry> words;
  for (const auto& [word, audio_indices] : rows_by_label(audio_words)) {
    auto found = image_rows.find(word);
    if (found == image_rows.end()) continue;  // no image centroid: no distance
    const at::Tensor a = select_rows(unit_audio, audio_indices), i = select_rows(unit_images, found->second);
    WordGeometry& g = words[word];
    g.audio_items = a.size(0);
    g.image_items = i.size(0);
    g.centroid_distance = centroid_distance(a, i);
    g.audio_spread = spread(a);
    g.image_spread = spread(i);
  }
  return words;
}

Projection pca(const at::Tensor& x, int64_t k) {
  constexpr const char* function = "pca";
  const at::Tensor x64 = rows64(x, 2, function);
  const int64_t most = std::min(x64.size(0), x64.size(1));
  require(k >= 1 && k <= most, function, log::cat("k must be in 1..", most, " for x ", shape_of(x), ", got ", k));
  const at::Tensor centred = x64 - x64.mean(0, true);
  const auto [U, S, Vh] = at::linalg_svd(centred, /*full_matrices=*/false);
  (void)U;
  at::Tensor components = Vh.narrow(0, 0, k);  // [k, E], by decreasing singular value
  // svd_flip: the sign of an SVD component is arbitrary; make its largest-|.| loading positive.
  const at::Tensor loading = components.gather(1, components.abs().argmax(1, true));  // [k, 1]
  components = components * (1 - 2 * (loading < 0).to(at::kDouble));
  Projection p;
  p.points = at::matmul(centred, components.t());
  const at::Tensor variance = S.pow(2);  // each component's variance, times N - 1 (cancels in the ratio)
  const double total = variance.sum().item<double>();
  for (int64_t i = 0; i < k; ++i) p.explained_variance_ratio.push_back(variance[i].item<double>() / total);
  return p;
}

}  // namespace vgs::metrics
