// Silhouette coefficient and leave-one-out LDA, transcribing scikit-learn (see separability.h).
#include "vgs/metrics/separability.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <tuple>
#include <utility>

#include "vgs/core/log.h"
#include "vgs/core/random.h"
#include "vgs/metrics/input_checks.h"

namespace vgs::metrics {

using detail::require;

namespace {

// ---- silhouette ----

// The [N, N] distances between the rows of x (float64).
at::Tensor pairwise_distances(const at::Tensor& x, Distance d) {
  if (d == Distance::euclidean) return at::cdist(x, x, 2.0, /*compute_mode=*/2);  // 2: exact, no x.y trick
  const at::Tensor unit = x / x.norm(2, {1}, true).clamp_min(1e-300);          // a zero row stays zero
  return (1 - at::matmul(unit, unit.t())).clamp(0, 2);
}

// [N, C] one-hot of the class indices.
at::Tensor one_hot(const std::vector<int64_t>& classes, int64_t count) {
  const at::Tensor index = at::tensor(classes, at::TensorOptions().dtype(at::kLong));
  return at::one_hot(index, count).to(at::kDouble);
}

}  // namespace

std::vector<double> silhouette_samples(const at::Tensor& x, const std::vector<std::string>& labels, Distance d) {
  const detail::LabelledRows rows = detail::labelled_rows(x, labels, "silhouette");
  const std::vector<int64_t>& own = rows.own;
  const int64_t n = rows.x.size(0), count = static_cast<int64_t>(rows.classes.size());
  require(count >= 2 && count < n, "silhouette",
          log::cat("needs 2 to N - 1 distinct labels for N = ", n, " rows, got ", count));
  const at::Tensor members = one_hot(own, count);
  const at::Tensor sums = at::matmul(pairwise_distances(rows.x, d), members);  // [N, C]: summed distance per label
  const at::Tensor sizes = members.sum(0);
  auto sum = sums.accessor<double, 2>();
  auto size = sizes.accessor<double, 1>();
  std::vector<double> s(static_cast<size_t>(n), 0.0);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t l = own[static_cast<size_t>(i)];
    if (size[l] < 2) continue;  // alone in its label: 0
    const double a = sum[i][l] / (size[l] - 1);  // its own distance 0 is in the sum, not in the count
    double b = std::numeric_limits<double>::infinity();
    for (int64_t c = 0; c < count; ++c)
      if (c != l) b = std::min(b, sum[i][c] / size[c]);
    const double larger = std::max(a, b);
    s[static_cast<size_t>(i)] = larger > 0 ? (b - a) / larger : 0.0;  // sklearn's nan_to_num of 0/0
  }
  return s;
}

double silhouette(const at::Tensor& x, const std::vector<std::string>& labels, Distance d) {
  const std::vector<double> s = silhouette_samples(x, labels, d);
  double total = 0;
  for (double v : s) total += v;
  return total / static_cast<double>(s.size());
}

namespace {

// ---- LDA ----

// sklearn's LinearDiscriminantAnalysis(solver='svd') after fit: the parts that predict and transform.
struct LdaModel {
  std::vector<int64_t> classes;   // indices into the caller's sorted labels, sorted
  at::Tensor coef, intercept;     // [C, E] and [C] (binary: [1, E] and [1], class 1 against class 0)
  at::Tensor xbar, scalings;      // [E] and [E, rank]: transform(x) = (x - xbar) @ scalings
};

constexpr double kTolerance = 1e-4;  // LinearDiscriminantAnalysis's default tol

// The class means [C, E] and the rows minus their class mean, concatenated class by class (sklearn's
// order; it fixes the signs LAPACK gives the singular vectors).
std::pair<at::Tensor, at::Tensor> class_means_and_deviations(const at::Tensor& x, const std::vector<at::Tensor>& rows) {
  std::vector<at::Tensor> means, deviations;
  for (const at::Tensor& r : rows) {
    const at::Tensor members = x.index_select(0, r);
    means.push_back(members.mean(0));
    deviations.push_back(members - means.back());
  }
  return {at::stack(means), at::cat(deviations)};
}

// _solve_svd's first step: scalings [E, rank] that whiten the within-class scatter.
at::Tensor within_scalings(const at::Tensor& deviations) {
  const double n = static_cast<double>(deviations.size(0));
  at::Tensor spread = deviations.std(0, /*unbiased=*/false);
  spread.masked_fill_(spread == 0, 1.0);  // a constant column: no scaling rather than a division by 0
  const auto svd = at::linalg_svd(std::sqrt(1.0 / n) * (deviations / spread), /*full_matrices=*/false);
  const at::Tensor& S = std::get<1>(svd);
  const at::Tensor& Vt = std::get<2>(svd);
  const int64_t rank = (S > kTolerance).sum().item<int64_t>();
  return (Vt.narrow(0, 0, rank) / spread).t() / S.narrow(0, 0, rank);
}

// _solve_svd's second step: the class means, whitened, on the directions they span.
at::Tensor between_scalings(const at::Tensor& scalings, const at::Tensor& means, const at::Tensor& xbar,
                            const at::Tensor& priors, double n) {
  const int64_t classes = means.size(0);
  const double fac = classes == 1 ? 1.0 : 1.0 / static_cast<double>(classes - 1);
  const at::Tensor weights = at::sqrt(n * priors * fac).unsqueeze(1);  // [C, 1]
  const at::Tensor centres = at::matmul(weights * (means - xbar), scalings);
  const auto svd = at::linalg_svd(centres, /*full_matrices=*/false);
  const at::Tensor& S = std::get<1>(svd);
  const at::Tensor& Vt = std::get<2>(svd);
  const int64_t rank = (S > kTolerance * S[0]).sum().item<int64_t>();
  return at::matmul(scalings, Vt.t().narrow(1, 0, rank));
}

// LinearDiscriminantAnalysis().fit(x[rows], labels[rows]) for the given rows.
LdaModel fit_lda(const at::Tensor& x, const std::vector<int64_t>& own, const std::vector<int64_t>& rows) {
  LdaModel m;
  std::vector<std::vector<int64_t>> members_of;  // per class present, its rows
  std::vector<int64_t> sorted_rows = rows;
  std::stable_sort(sorted_rows.begin(), sorted_rows.end(), [&](int64_t a, int64_t b) { return own[a] < own[b]; });
  for (int64_t r : sorted_rows) {
    if (m.classes.empty() || m.classes.back() != own[r]) {
      m.classes.push_back(own[r]);
      members_of.emplace_back();
    }
    members_of.back().push_back(r);
  }
  std::vector<at::Tensor> member_index;
  std::vector<double> counts;
  for (const auto& members : members_of) {
    member_index.push_back(at::tensor(members, at::TensorOptions().dtype(at::kLong)));
    counts.push_back(static_cast<double>(members.size()));
  }
  const double n = static_cast<double>(rows.size());
  const at::Tensor priors = at::tensor(counts, at::kDouble) / n;
  const auto [means, deviations] = class_means_and_deviations(x, member_index);
  m.xbar = at::matmul(priors, means);
  m.scalings = between_scalings(within_scalings(deviations), means, m.xbar, priors, n);
  const at::Tensor coef = at::matmul(means - m.xbar, m.scalings);
  m.coef = at::matmul(coef, m.scalings.t());
  m.intercept = -0.5 * coef.pow(2).sum(1) + at::log(priors) - at::matmul(m.coef, m.xbar);
  if (m.classes.size() == 2) {  // sklearn's binary special case: one score, positive for class 1
    m.coef = (m.coef[1] - m.coef[0]).unsqueeze(0);
    m.intercept = (m.intercept[1] - m.intercept[0]).unsqueeze(0);
  }
  return m;
}

// LinearClassifierMixin.predict for one row: the class index (into the caller's sorted labels).
int64_t predict_lda(const LdaModel& m, const at::Tensor& row) {
  const at::Tensor scores = at::matmul(m.coef, row) + m.intercept;
  auto score = scores.accessor<double, 1>();
  if (m.classes.size() == 2) return m.classes[score[0] > 0 ? 1 : 0];
  int64_t best = 0;  // numpy's argmax: the first of equal maxima
  for (int64_t c = 1; c < scores.size(0); ++c)
    if (score[c] > score[best]) best = c;
  return m.classes[static_cast<size_t>(best)];
}

// numpy.quantile(sorted_values, q) with its default linear interpolation.
double quantile(const std::vector<double>& sorted_values, double q) {
  const double position = q * static_cast<double>(sorted_values.size() - 1);
  const auto below = static_cast<size_t>(std::floor(position));
  const size_t above = std::min(below + 1, sorted_values.size() - 1);
  return sorted_values[below] + (position - static_cast<double>(below)) * (sorted_values[above] - sorted_values[below]);
}

// The percentile bootstrap interval of the mean of `correct` (0 or 1 per row).
std::pair<double, double> bootstrap_interval(const std::vector<double>& correct, const LdaOptions& o) {
  std::mt19937_64 rng(core::mix_seed({o.seed, 0x4c4441}));  // "LDA": a stream of its own
  const auto n = static_cast<uint64_t>(correct.size());
  std::vector<double> accuracies;
  accuracies.reserve(static_cast<size_t>(o.resamples));
  for (int64_t r = 0; r < o.resamples; ++r) {
    double hits = 0;
    for (uint64_t i = 0; i < n; ++i) hits += correct[core::uniform_index(rng, n)];
    accuracies.push_back(hits / static_cast<double>(n));
  }
  std::sort(accuracies.begin(), accuracies.end());
  const double alpha = 1 - o.confidence;
  return {quantile(accuracies, alpha / 2), quantile(accuracies, 1 - alpha / 2)};
}

void check_lda_input(int64_t rows, int64_t classes, const LdaOptions& o) {
  constexpr const char* function = "lda_leave_one_out";
  require(classes >= 2 && rows > classes + 1, function,
          log::cat("needs at least 2 distinct labels and more than (labels + 1) rows, got ", classes, " labels for ",
                   rows, " rows"));
  require(o.resamples >= 1, function, log::cat("resamples must be at least 1, got ", o.resamples));
  require(o.confidence > 0 && o.confidence < 1, function, log::cat("confidence must be in (0, 1), got ", o.confidence));
  require(o.components >= 1, function, log::cat("components must be at least 1, got ", o.components));
}

}  // namespace

LdaResult lda_leave_one_out(const at::Tensor& x, const std::vector<std::string>& labels, const LdaOptions& o) {
  const detail::LabelledRows rows = detail::labelled_rows(x, labels, "lda_leave_one_out");
  const at::Tensor& x64 = rows.x;
  const std::vector<int64_t>& own = rows.own;
  const std::vector<std::string>& classes = rows.classes;
  const int64_t n = x64.size(0);
  check_lda_input(n, static_cast<int64_t>(classes.size()), o);

  LdaResult result;
  std::vector<double> correct;
  std::vector<int64_t> all_rows(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) all_rows[static_cast<size_t>(i)] = i;
  for (int64_t i = 0; i < n; ++i) {
    std::vector<int64_t> others = all_rows;
    others.erase(others.begin() + i);
    const int64_t predicted = predict_lda(fit_lda(x64, own, others), x64[i]);
    result.predictions.push_back(classes[static_cast<size_t>(predicted)]);
    correct.push_back(predicted == own[static_cast<size_t>(i)] ? 1.0 : 0.0);
  }
  double hits = 0;
  for (double c : correct) hits += c;
  result.accuracy = hits / static_cast<double>(n);
  std::tie(result.ci_low, result.ci_high) = bootstrap_interval(correct, o);

  const LdaModel all = fit_lda(x64, own, all_rows);
  const int64_t k = std::min({o.components, static_cast<int64_t>(classes.size()) - 1, all.scalings.size(1)});
  result.projection = at::matmul(x64 - all.xbar, all.scalings.narrow(1, 0, k));
  return result;
}

}  // namespace vgs::metrics
