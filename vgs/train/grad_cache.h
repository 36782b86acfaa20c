// Gradient caching (Gao et al. 2021, luyug/GradCache) for the text grouping model: the gradients of
// a large batch's loss (in-batch InfoNCE needs every caption of the batch at once) with the memory of
// one chunk of captions. docs/text_grouping.md gives the scheme and why it is exact.
//
//   model->train();
//   optimizer.zero_grad();
//   GradCacheResult r = grad_cache_step(*model, loss_config, ids, keep, image_groups, 512);
//   optimizer.step();                          // the .grad fields hold the whole batch's gradients
//   model->clamp_logit_scale();
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

#include "vgs/losses/loss.h"
#include "vgs/losses/text_grouping_loss.h"
#include "vgs/models/text_grouping.h"

namespace vgs::train {

struct GradCacheResult {
  losses::LossOutput loss;  // the batch's terms and total as text_grouping_batch_loss gives them, detached
  int64_t chunks = 0;
  // max |pooled embedding of the second forward - of the first|: 0 when the chunks replay exactly (a
  // non-deterministic kernel would show here).
  double replay_diff = 0;
};

// Accumulates into the model's .grad the gradients of losses::text_grouping_batch_loss over the
// whole batch, forwarding at most `chunk_size` captions at a time, and returns the loss (no graph).
// ids, keep [B, L]; image_groups [B, G, D] (frozen: no gradient). With the contrastive term:
//  1. each chunk is encoded without a graph, recording the random state first (CPU generator, and
//     the CUDA generator of the model's device when on CUDA);
//  2. the contrastive loss over all pooled embeddings, on detached leaves, gives d loss / d pooled
//     (and accumulates the logit scale's gradient directly);
//  3. each chunk is encoded again from its recorded state, with a graph, and decoded; backward of
//     dot(pooled, cached gradient) + weight * (its summed token cross-entropy) / (the batch's target
//     tokens) adds its share.
// Random draws follow the order of the whole-batch computation done chunk by chunk: every chunk's
// encoder in turn, then every chunk's decoder (so the decoders' noise is fresh, not a replay of the
// encoders'), and the generator ends where that computation leaves it. Without the contrastive term
// there is nothing to cache: each chunk is encoded, decoded and back-propagated in turn.
// vgs::Error for chunk_size < 1 or inputs that do not match.
GradCacheResult grad_cache_step(models::TextGroupingImpl& model, const losses::TextGroupingLossConfig& config,
                                const at::Tensor& ids, const at::Tensor& keep, const at::Tensor& image_groups,
                                int64_t chunk_size);

}  // namespace vgs::train
