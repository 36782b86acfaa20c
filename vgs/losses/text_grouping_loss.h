// The text grouping model's training loss: in-batch InfoNCE between the pooled text groups and the
// pooled groups of a frozen GroupViT image encoder, plus lambda times the caption reconstruction
// cross-entropy. Either term can be switched off (ablations: contrastive only, reconstruction only).
#pragma once

#include <ATen/core/Tensor.h>

#include "vgs/losses/loss.h"
#include "vgs/models/text_grouping.h"

namespace vgs::losses {

struct TextGroupingLossConfig {
  bool contrastive = true;            // InfoNCE term
  bool reconstruction = true;         // reconstruction term
  double reconstruction_weight = 1.0; // lambda

  // Throws vgs::Error when both terms are off or the weight is negative.
  void validate() const;
};

// The image side: the mean of an image's G group embeddings [B, G, D] (precomputed, frozen),
// L2-normalised -> [B, D]. No gradient is needed (the image encoder is frozen).
at::Tensor pool_image_groups(const at::Tensor& image_groups);

// Puts the terms together. text, image [B, D] L2-normalised (undefined when contrastive is off);
// scale the logit scale (0-dim); reconstruction the mean reconstruction cross-entropy (0-dim,
// undefined when off). Terms: "contrastive" (CLIP's infonce_in_batch) with its halves
// "text_to_image" and "image_to_text", "reconstruction" (unweighted); total = contrastive +
// reconstruction_weight * reconstruction, over the terms switched on.
LossOutput text_grouping_loss(const TextGroupingLossConfig& config, const at::Tensor& text, const at::Tensor& image,
                              const at::Tensor& scale, const at::Tensor& reconstruction);

// The whole-batch loss of the model: forward(ids, keep), the pooled image groups, the contrastive
// term and the decoder's reconstruction. ids, keep [B, L] (vgs/models/text_grouping.h); image_groups
// [B, G, D]. Backward of the total gives every gradient, the logit scale's included.
LossOutput text_grouping_batch_loss(models::TextGroupingImpl& model, const TextGroupingLossConfig& config,
                                    const at::Tensor& ids, const at::Tensor& keep, const at::Tensor& image_groups);

}  // namespace vgs::losses
