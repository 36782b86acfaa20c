// Silhouette coefficient and leave-one-out LDA, transcribing scikit-learn (see separability.h).
#include "vgs/metrics/separability.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <random>
#include <tuple>
#include <utility>

#include "vgs/core/log.h"
#include "vgs/core/random.h"
#include "vgs/metrics/input_checks.h"

namespace vgs::metrics {

using detail::require;

at::Tensor pairwise_distances(const at::Tensor& x, Distance d) {
  if (d == Distance::euclidean) return at::cdist(x, x, 2.0, /*compute_mode=*/2);  // 2: exact, no x.y trick
  const at::Tensor unit = x / x.norm(2, {1}, true).clamp_min(1e-300);          // a zero row stays zero
  return (1 - at::matmul(unit, unit.t())).clamp(0, 2);
}

namespace {

// ---- silhouette ----

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

// ---- LDA leave one out by rank-one updates (see separability.h) ----

// The refit's within-class correlation must keep every direction: sklearn keeps singular values above
// tol, so eigenvalues of the correlation above tol^2; the fast path asks for 100 times that.
constexpr double kWithinFloor = 100 * kTolerance * kTolerance;
// Likewise for the whitened class means: sklearn keeps singular values above tol times the largest.
constexpr double kBetweenFloor = 100 * kTolerance * kTolerance;

// What the fit on all rows gives every leave-one-out score: with A the inverse within-class scatter,
// the bilinear forms of the (centred) rows and class means.
struct AllRowsForms {
  at::Tensor counts;         // [C] rows per class
  at::Tensor x_a_means;      // [N, C]: x_i' A mu_k
  at::Tensor means_a_means;  // [C, C]: mu_k' A mu_l
  at::Tensor x_a_x;          // [N]: x_i' A x_i
  double smallest_eigenvalue = 0;  // of the within scatter as a correlation matrix (what sklearn's SVD sees)
};

// The forms, or nothing when the within scatter is not comfortably of full rank.
std::optional<AllRowsForms> all_rows_forms(const at::Tensor& x, const at::Tensor& members) {
  AllRowsForms f;
  f.counts = members.sum(0);
  const at::Tensor centred = x - x.mean(0);  // LDA's argmax ignores a shift; the forms lose less to rounding
  const at::Tensor means = members.t().mm(centred) / f.counts.unsqueeze(1);
  const at::Tensor deviations = centred - members.mm(means);
  const at::Tensor scatter = deviations.t().mm(deviations);
  const at::Tensor diagonal = scatter.diagonal();
  if ((diagonal <= 0).any().item<bool>()) return std::nullopt;  // a column constant within the classes
  const at::Tensor inverse_sd = diagonal.rsqrt();
  const at::Tensor correlation = scatter * inverse_sd.unsqueeze(1) * inverse_sd.unsqueeze(0);
  const auto [eigenvalues, eigenvectors] = at::linalg_eigh(correlation);
  f.smallest_eigenvalue = eigenvalues[0].item<double>();
  if (!(f.smallest_eigenvalue > kWithinFloor)) return std::nullopt;
  // whitening @ whitening' = A: the forms are dot products of whitened rows.
  const at::Tensor whitening = inverse_sd.unsqueeze(1) * eigenvectors * eigenvalues.rsqrt().unsqueeze(0);
  const at::Tensor rows = centred.mm(whitening), centres = means.mm(whitening);
  f.x_a_means = rows.mm(centres.t());
  f.means_a_means = centres.mm(centres.t());
  f.x_a_x = rows.pow(2).sum(1);
  return f;
}

// Row i (class c, d = x_i - mu_c) left out: mu_c' = mu_c - e d with e = 1/(n_c - 1), and the scatter
// loses g d d' with g = n_c/(n_c - 1), so A' = A + gain (A d)(A d)' with gain = g/(1 - g d'Ad).
struct HeldOutForms {
  at::Tensor alone;                 // [N]: the row's class has no other row
  at::Tensor e, d_a_d, u, w, gain;  // [N], [N], [N, C]: mu_k' A d, [N, C]: mu_k'' A d, [N]
  at::Tensor scores;                // [N, C]: the model fitted without row i, on row i
  at::Tensor within;                // [N]: a lower bound of the refit's smallest correlation eigenvalue
  at::Tensor scale;                 // [N]: the size of the terms summed in the scores (for the margin)
};

HeldOutForms held_out_forms(const AllRowsForms& f, const at::Tensor& members) {
  HeldOutForms h;
  const double n = static_cast<double>(members.size(0));
  const at::Tensor own_count = members.mv(f.counts);
  h.alone = own_count < 2;  // the class leaves with the row: refitted
  h.e = at::where(h.alone, 0.0, 1 / (own_count - 1));
  const at::Tensor g = own_count * h.e;
  const at::Tensor own_means = members.mm(f.means_a_means);  // row i: mu_c' A mu_k
  const at::Tensor x_a_own = (f.x_a_means * members).sum(1), own_a_own = (own_means * members).sum(1);
  const at::Tensor d_a_x = f.x_a_x - x_a_own;
  h.d_a_d = d_a_x - x_a_own + own_a_own;
  h.u = f.x_a_means - own_means;
  const at::Tensor u_own = x_a_own - own_a_own;
  h.w = h.u - members * (h.e * h.d_a_d).unsqueeze(1);
  const at::Tensor rest = 1 - g * h.d_a_d;  // det(S')/det(S): (1 - h) bounds the refit's spectrum
  h.gain = g / rest;
  const at::Tensor linear = f.x_a_means - members * (h.e * d_a_x).unsqueeze(1) + h.gain.unsqueeze(1) * h.w * d_a_x.unsqueeze(1);
  const at::Tensor quadratic = f.means_a_means.diagonal().unsqueeze(0) +
                               members * (h.e * h.e * h.d_a_d - 2 * h.e * u_own).unsqueeze(1) +
                               h.gain.unsqueeze(1) * h.w * h.w;
  const at::Tensor log_priors = at::log((f.counts.unsqueeze(0) - members) / (n - 1));
  // sklearn's covariance is the scatter / (N - 1) of the refit: its inverse (N - 1) A'.
  h.scores = (n - 1) * (linear - 0.5 * quadratic) + log_priors;
  h.scale = (n - 1) * (linear.abs() + 0.5 * quadratic.abs()).amax(1) + log_priors.abs().amax(1);
  h.within = rest * f.smallest_eigenvalue;
  return h;
}

// For rows [begin, begin + count): whether the refit keeps all min(C - 1, E) directions of the
// whitened class means (sklearn's second SVD), with a margin: the spectrum of
// diag(sqrt p') (I - 1 p'') M' A' M'' (I - p' 1') diag(sqrt p') per row.
at::Tensor between_directions_kept(const AllRowsForms& f, const HeldOutForms& h, const at::Tensor& members,
                                   int64_t begin, int64_t count, int64_t dims) {
  const int64_t classes = members.size(1);
  const double n = static_cast<double>(members.size(0));
  auto rows = [&](const at::Tensor& t) { return t.narrow(0, begin, count); };
  const at::Tensor own = rows(members), u = rows(h.u), w = rows(h.w);
  const at::Tensor e = rows(h.e).view({count, 1, 1});
  auto outer = [](const at::Tensor& a, const at::Tensor& b) { return a.unsqueeze(2) * b.unsqueeze(1); };
  const at::Tensor forms = f.means_a_means.unsqueeze(0) - e * (outer(own, u) + outer(u, own)) +
                           e * e * rows(h.d_a_d).view({count, 1, 1}) * outer(own, own) +
                           rows(h.gain).view({count, 1, 1}) * outer(w, w);
  const at::Tensor priors = (f.counts.unsqueeze(0) - own) / (n - 1);
  const at::Tensor forms_p = forms.bmm(priors.unsqueeze(2));  // [B, C, 1]
  const at::Tensor p_forms_p = (forms_p.squeeze(2) * priors).sum(1).view({count, 1, 1});
  const at::Tensor centred = forms - forms_p - forms_p.transpose(1, 2) + p_forms_p;
  const at::Tensor root = priors.sqrt();
  // Rows refitted anyway may hold inf or NaN (a singular update): zeros keep LAPACK going.
  const at::Tensor spectrum = at::linalg_eigvalsh(at::nan_to_num(outer(root, root) * centred, 0, 0, 0));
  const int64_t kept = std::min(classes - 1, dims);
  return spectrum.select(1, classes - kept) > kBetweenFloor * spectrum.select(1, classes - 1);
}

// Each row's leave-one-out prediction from the rank-one updates, or -1 where a refit must decide it.
std::vector<int64_t> updated_predictions(const at::Tensor& x, const std::vector<int64_t>& own, int64_t classes) {
  const int64_t n = x.size(0), dims = x.size(1);
  std::vector<int64_t> predicted(static_cast<size_t>(n), -1);
  const at::Tensor members = one_hot(own, classes);
  const std::optional<AllRowsForms> forms = all_rows_forms(x, members);
  if (!forms) return predicted;
  const HeldOutForms h = held_out_forms(*forms, members);
  const auto [top, best] = h.scores.topk(2, 1);
  // Rounding in either computation is about eps * condition * scale; the margin leaves 1000x that.
  const at::Tensor margin = h.scale * (1e-13 * static_cast<double>(dims) / h.within).clamp_min(1e-12);
  at::Tensor usable = h.alone.logical_not() & (h.within > kWithinFloor) & (top.select(1, 0) - top.select(1, 1) > margin);
  const int64_t chunk = std::max<int64_t>(1, (int64_t(1) << 22) / (classes * classes));
  for (int64_t begin = 0; begin < n; begin += chunk) {
    const int64_t count = std::min(chunk, n - begin);
    usable.narrow(0, begin, count).logical_and_(between_directions_kept(*forms, h, members, begin, count, dims));
  }
  auto ok = usable.accessor<bool, 1>();
  auto choice = best.accessor<int64_t, 2>();
  for (int64_t i = 0; i < n; ++i)
    if (ok[i]) predicted[static_cast<size_t>(i)] = choice[i][0];
  return predicted;
}

// Fills the -1 entries of `predicted` by refitting without their rows, in parallel over rows.
int64_t refit_missing(const at::Tensor& x, const std::vector<int64_t>& own, std::vector<int64_t>* predicted) {
  std::vector<int64_t> missing;
  for (size_t i = 0; i < predicted->size(); ++i)
    if ((*predicted)[i] < 0) missing.push_back(static_cast<int64_t>(i));
  const int64_t n = x.size(0);
  at::parallel_for(0, static_cast<int64_t>(missing.size()), 1, [&](int64_t begin, int64_t end) {
    for (int64_t m = begin; m < end; ++m) {
      const int64_t i = missing[static_cast<size_t>(m)];
      std::vector<int64_t> others;
      others.reserve(static_cast<size_t>(n - 1));
      for (int64_t j = 0; j < n; ++j)
        if (j != i) others.push_back(j);
      (*predicted)[static_cast<size_t>(i)] = predict_lda(fit_lda(x, own, others), x[i]);
    }
  });
  return static_cast<int64_t>(missing.size());
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
  std::vector<int64_t> predicted = o.path == LdaPath::automatic
                                       ? updated_predictions(x64, own, static_cast<int64_t>(classes.size()))
                                       : std::vector<int64_t>(static_cast<size_t>(n), -1);
  result.refitted = refit_missing(x64, own, &predicted);
  std::vector<double> correct;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t p = predicted[static_cast<size_t>(i)];
    result.predictions.push_back(classes[static_cast<size_t>(p)]);
    correct.push_back(p == own[static_cast<size_t>(i)] ? 1.0 : 0.0);
  }
  double hits = 0;
  for (double c : correct) hits += c;
  result.accuracy = hits / static_cast<double>(n);
  std::tie(result.ci_low, result.ci_high) = bootstrap_interval(correct, o);

  std::vector<int64_t> all_rows(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) all_rows[static_cast<size_t>(i)] = i;
  const LdaModel all = fit_lda(x64, own, all_rows);
  const int64_t k = std::min({o.components, static_cast<int64_t>(classes.size()) - 1, all.scalings.size(1)});
  result.projection = at::matmul(x64 - all.xbar, all.scalings.narrow(1, 0, k));
  return result;
}

}  // namespace vgs::metrics
