// t-SNE (van der Maaten & Hinton 2008) for figures of embeddings: the exact method of
// sklearn.manifold.TSNE(method='exact') with sklearn's defaults and semantics, in float64.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

#include "vgs/metrics/separability.h"  // Distance

namespace vgs::metrics {

enum class TsneInit {
  pca,     // sklearn's init='pca': the first two principal components, scaled so column 0 has std 1e-4
  random,  // sklearn's init='random': 1e-4 * standard normal draws from `seed`
};

struct TsneOptions {
  double perplexity = 30;                // < N; the effective number of neighbours of each row
  Distance metric = Distance::euclidean; // input distances, squared (cosine: (1 - cos)^2, as sklearn)
  TsneInit init = TsneInit::pca;
  uint64_t seed = 0;                     // of the random init (at::CPUGeneratorImpl); pca needs none
  double early_exaggeration = 12;        // P is multiplied by this for the first 250 iterations
  double learning_rate = 0;              // 0: sklearn's 'auto', max(N / early_exaggeration / 4, 50)
  int64_t max_iter = 1000;               // >= 250: gradient steps in all, the 250 exaggerated included
  int64_t iterations_without_progress = 300;  // stop when the KL (checked every 50 steps) stalls this long
  double min_grad_norm = 1e-7;           // stop when the (gained) gradient's norm falls to this
};

struct TsneResult {
  at::Tensor embedding;      // float64 [N, 2]
  double kl_divergence = 0;  // KL(P || Q) at the last step checked, as sklearn's kl_divergence_
  int64_t iterations = 0;    // the index of the last step run, as sklearn's n_iter_
};

// The exact method costs O(N^2) memory and time per step (several [N, N] float64 matrices): meant for
// up to about 5,000 rows (beyond that, sklearn's Barnes-Hut would be needed; not implemented).
// x: floating point [N, E], N >= 2, E >= 2, finite; perplexity < N. vgs::Error (one line) otherwise.
// Steps: squared distances (rounded to float32, as sklearn), each row's conditional probabilities
// by binary search on the precision to the perplexity (entropy within 1e-5, 100 steps at most),
// P = (P + P') / sum, at least machine epsilon; gradient descent with momentum 0.5 and exaggeration
// for 250 steps, then momentum 0.8 (fresh updates and gains), gains +0.2 / *0.8 (at least 0.01).
TsneResult tsne(const at::Tensor& x, const TsneOptions& o = {});

// The joint probabilities P, float64 [N, N] with a zero diagonal (each pair in both halves, the whole
// matrix summing to 1): sklearn.manifold._t_sne._joint_probabilities of the squared distances
// (squareform of its condensed result). Same checks as tsne.
at::Tensor tsne_joint_probabilities(const at::Tensor& x, double perplexity, Distance metric = Distance::euclidean);

}  // namespace vgs::metrics
