// Exact t-SNE, transcribing sklearn.manifold.TSNE(method='exact') (see tsne.h).
#include "vgs/metrics/tsne.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>

#include <cmath>
#include <limits>
#include <utility>

#include "vgs/core/log.h"
#include "vgs/metrics/input_checks.h"

namespace vgs::metrics {

using detail::require;

namespace {

constexpr double kMachineEpsilon = std::numeric_limits<double>::epsilon();  // sklearn's MACHINE_EPSILON
constexpr int64_t kExplorationSteps = 250;  // sklearn's _EXPLORATION_MAX_ITER
constexpr int64_t kCheckEvery = 50;         // sklearn's _N_ITER_CHECK

at::Tensor checked_rows(const at::Tensor& x, double perplexity) {
  constexpr const char* function = "tsne";
  const at::Tensor rows = detail::rows64(x, 2, function);
  require(rows.size(1) >= 2, function, log::cat("x needs at least 2 columns (the PCA init), got ", detail::shape_of(x)));
  require(at::isfinite(rows).all().item<bool>(), function, "x has a NaN or infinite value");
  require(perplexity > 0 && perplexity < static_cast<double>(rows.size(0)), function,
          log::cat("perplexity must be in (0, N) for N = ", rows.size(0), " rows, got ", perplexity));
  return rows;
}

// sklearn's input to _joint_probabilities: squared distances (cosine: the cosine distance squared),
// which it rounds to float32.
at::Tensor squared_distances(const at::Tensor& x, Distance metric) {
  return pairwise_distances(x, metric).pow(2).fill_diagonal_(0).to(at::kFloat).to(at::kDouble);
}

// sklearn's _binary_search_perplexity for one row: the precision beta whose conditional
// distribution has entropy log(perplexity) (to 1e-5, 100 halvings at most), written into p.
void conditional_row(const double* distances, int64_t n, int64_t row, double desired_entropy, double* p) {
  double beta = 1, beta_min = -INFINITY, beta_max = INFINITY;
  for (int step = 0; step < 100; ++step) {
    double sum = 0;
    for (int64_t j = 0; j < n; ++j) {
      p[j] = j == row ? 0.0 : std::exp(-distances[j] * beta);
      sum += p[j];
    }
    if (sum == 0) sum = 1e-8;  // sklearn's EPSILON_DBL
    double weighted = 0;
    for (int64_t j = 0; j < n; ++j) {
      p[j] /= sum;
      weighted += distances[j] * p[j];
    }
    const double difference = std::log(sum) + beta * weighted - desired_entropy;
    if (std::fabs(difference) <= 1e-5) break;
    if (difference > 0) {
      beta_min = beta;
      beta = beta_max == INFINITY ? beta * 2 : (beta + beta_max) / 2;
    } else {
      beta_max = beta;
      beta = beta_min == -INFINITY ? beta / 2 : (beta + beta_min) / 2;
    }
  }
}

// sklearn's _joint_probabilities on squared distances, as a square matrix.
at::Tensor joint_probabilities(const at::Tensor& distances, double perplexity) {
  const int64_t n = distances.size(0);
  at::Tensor conditional = at::zeros({n, n}, distances.options());
  // sklearn passes the perplexity as a C float.
  const double desired_entropy = std::log(static_cast<double>(static_cast<float>(perplexity)));
  const double* d = distances.data_ptr<double>();
  double* p = conditional.data_ptr<double>();
  at::parallel_for(0, n, 16, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) conditional_row(d + i * n, n, i, desired_entropy, p + i * n);
  });
  const at::Tensor joint = conditional + conditional.t();
  const double total = std::max(joint.sum().item<double>(), kMachineEpsilon);
  return (joint / total).clamp_min(kMachineEpsilon).fill_diagonal_(0);
}

// sklearn's init='pca': PCA's first two components (svd_flip: each component's largest loading
// positive), rounded to float32, scaled so the first column's std is 1e-4.
at::Tensor pca_init(const at::Tensor& x) {
  const at::Tensor centred = x - x.mean(0);
  const at::Tensor components = std::get<2>(at::linalg_svd(centred, /*full_matrices=*/false)).narrow(0, 0, 2);
  const at::Tensor largest = components.abs().argmax(1, /*keepdim=*/true);
  const at::Tensor signs = components.gather(1, largest).sign();
  const at::Tensor embedding = at::matmul(centred, (components * signs).t()).to(at::kFloat).to(at::kDouble);
  return embedding / embedding.select(1, 0).std(/*unbiased=*/false) * 1e-4;
}

at::Tensor initial_embedding(const at::Tensor& x, const TsneOptions& o) {
  if (o.init == TsneInit::pca) return pca_init(x);
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(o.seed);
  return 1e-4 * at::randn({x.size(0), 2}, generator, x.options());
}

// sklearn's _kl_divergence (Student t with one degree of freedom): KL(P || Q) when asked (else NaN)
// and its gradient.
std::pair<double, at::Tensor> kl_divergence(const at::Tensor& p, const at::Tensor& y, bool compute_error) {
  // In place where it can be: each step makes a few [N, N] passes, and their allocations showed.
  at::Tensor kernel = at::cdist(y, y, 2.0, /*compute_mode=*/2);  // 2: exact differences, as pdist
  kernel.pow_(2).add_(1).reciprocal_().fill_diagonal_(0);
  const at::Tensor q = kernel.div(kernel.sum()).clamp_min_(kMachineEpsilon);
  double kl = std::numeric_limits<double>::quiet_NaN();
  if (compute_error) {
    const at::Tensor terms = p * at::log(p.clamp_min(kMachineEpsilon) / q);
    kl = (terms.sum() - terms.diagonal().sum()).item<double>();
  }
  const at::Tensor pull = (p - q).mul_(kernel);  // zero diagonal
  const at::Tensor gradient = 4 * (pull.sum(1, true) * y - at::matmul(pull, y));
  return {kl, gradient};
}

struct DescentPhase {
  int64_t first = 0, end = 0;  // steps [first, end)
  double momentum = 0.5, learning_rate = 200;
  int64_t without_progress = 300;
  double min_grad_norm = 1e-7;
};

// sklearn's _gradient_descent (fresh updates and gains): moves y; returns the last KL and step.
std::pair<double, int64_t> gradient_descent(const at::Tensor& p, at::Tensor& y, const DescentPhase& phase) {
  at::Tensor update = at::zeros_like(y), gains = at::ones_like(y);
  double error = std::numeric_limits<double>::max(), best_error = error;
  int64_t best_step = phase.first, last = phase.first;  // numpy's loop variable after the loop
  for (int64_t step = phase.first; step < phase.end; ++step) {
    last = step;
    const bool check = (step + 1) % kCheckEvery == 0;
    auto [kl, gradient] = kl_divergence(p, y, check || step == phase.end - 1);
    error = kl;
    const at::Tensor growing = (update * gradient) < 0;
    gains = at::where(growing, gains + 0.2, gains * 0.8).clamp_min(0.01);
    gradient = gradient * gains;
    update = phase.momentum * update - phase.learning_rate * gradient;
    y += update;
    if (!check) continue;
    if (error < best_error) {
      best_error = error;
      best_step = step;
    } else if (step - best_step > phase.without_progress) {
      break;
    }
    if (gradient.norm().item<double>() <= phase.min_grad_norm) break;
  }
  return {error, last};
}

}  // namespace

at::Tensor tsne_joint_probabilities(const at::Tensor& x, double perplexity, Distance metric) {
  return joint_probabilities(squared_distances(checked_rows(x, perplexity), metric), perplexity);
}

TsneResult tsne(const at::Tensor& x, const TsneOptions& o) {
  const at::Tensor rows = checked_rows(x, o.perplexity);
  require(o.max_iter >= kExplorationSteps, "tsne", log::cat("max_iter must be at least 250, got ", o.max_iter));
  require(o.early_exaggeration >= 1, "tsne", log::cat("early_exaggeration must be at least 1, got ", o.early_exaggeration));
  require(o.learning_rate >= 0, "tsne", log::cat("learning_rate must be positive (0: auto), got ", o.learning_rate));
  const double n = static_cast<double>(rows.size(0));
  DescentPhase phase;
  phase.learning_rate = o.learning_rate > 0 ? o.learning_rate : std::max(n / o.early_exaggeration / 4, 50.0);
  phase.min_grad_norm = o.min_grad_norm;
  phase.end = kExplorationSteps;
  phase.without_progress = kExplorationSteps;
  const at::Tensor p = joint_probabilities(squared_distances(rows, o.metric), o.perplexity);
  TsneResult r;
  r.embedding = initial_embedding(rows, o);
  auto [kl, last] = gradient_descent(p * o.early_exaggeration, r.embedding, phase);
  phase.first = last + 1;
  phase.end = o.max_iter;
  phase.momentum = 0.8;
  phase.without_progress = o.iterations_without_progress;
  std::tie(r.kl_divergence, r.iterations) = gradient_descent(p, r.embedding, phase);
  return r;
}

}  // namespace vgs::metrics
