// Bidirectional InfoNCE losses over L2-normalised audio and image embeddings: me-vgs's per-item
// sampled negatives (CLIP.forward), the same with negatives gathered from the batch by index, and
// CLIP/open_clip's in-batch loss. `scale` is the logit scale (TwoTower::scale(): 100 or exp(logit_scale)),
// a 0-dim or one-element tensor; its gradient flows when it has one.
#pragma once

#include <ATen/core/Tensor.h>

#include "vgs/core/choices.h"
#include "vgs/losses/loss.h"

namespace vgs::losses {

// Where an item's negatives come from (loss.negatives), spelled as recipes spell them.
//   sampled:        me-vgs: each item brings K negative audios and K negative images of its own;
//   sampled_shared: the same 1-vs-K loss with the K negatives picked among the batch's own items;
//   in_batch:       CLIP/open_clip: every other item of the batch is a negative.
enum class NegativeMode { sampled, sampled_shared, in_batch };
const core::Choices<NegativeMode>& negative_modes();

// The negatives a batch brings besides its B positive pairs: K rows of its own per item (`sampled`:
// the embeddings hold B x (1 + K) rows, item-major), or [B, K] indices into the batch
// (`sampled_shared`), or neither (in-batch).
struct BatchNegatives {
  int64_t own_per_item = 0;
  at::Tensor images, audios;  // [B, K] int64 row indices, or undefined
};

// Bidirectional InfoNCE, built once from the recipe: the negatives mode tells the sampler what to
// draw, and a batch is scored by what it holds (a sampled_shared batch of a single word has nothing
// to share and brings its own negatives instead).
class InfoNCE {
 public:
  InfoNCE(NegativeMode mode, int64_t negatives_per_item);
  NegativeMode mode() const { return mode_; }
  int64_t negatives_per_item() const { return negatives_per_item_; }
  // audio, image [rows, E]; scale as below.
  LossOutput operator()(const at::Tensor& audio, const at::Tensor& image, const BatchNegatives& negatives,
                        const at::Tensor& scale) const;

 private:
  NegativeMode mode_;
  int64_t negatives_per_item_;
};

// me-vgs CLIP.forward. Item b holds 1 + K pairs; index 0 is the positive pair (anchor audio, positive
// image), 1..K are sampled negatives. sim1 = anchor audio vs the item's 1 + K images, sim2 = the item's
// 1 + K audios vs the positive image (each [B, 1 + K], times scale); cross-entropy with target 0 over
// the 2B rows. terms "audio_to_image" (mean over the sim1 rows) and "image_to_audio" (sim2 rows);
// total = mean over all 2B rows = their average.
// audio, image [B, 1 + K, E] with K >= 1.
LossOutput infonce_sampled(const at::Tensor& audio, const at::Tensor& image, const at::Tensor& scale);

// CLIP/open_clip ClipLoss (one process): logits = scale * audio @ image.T [B, B], labels arange(B);
// terms "audio_to_image" = CE(logits), "image_to_audio" = CE(logits.T); total = their average.
// audio, image [B, E].
LossOutput infonce_in_batch(const at::Tensor& audio, const at::Tensor& image, const at::Tensor& scale);

// infonce_sampled with the negatives taken from the batch's own embeddings, so a step embeds each
// sample once instead of 1 + K times: item b's images are image[b], image[negative_images[b, 0..K-1]],
// its audios audio[b], audio[negative_audios[b, ...]]. Equal to infonce_sampled on the gathered
// [B, 1 + K, E] tensors (the gradients of a row used several times add up).
// audio, image [B, E]; negative_images, negative_audios [B, K] int64 in 0..B-1 (checked on the CPU).
LossOutput infonce_sampled_shared(const at::Tensor& audio, const at::Tensor& image, const at::Tensor& negative_images,
                                  const at::Tensor& negative_audios, const at::Tensor& scale);

// Data parallelism (open_clip's local loss): the rows of one rank against every rank's columns.
// audio_rows, image_rows [b, E] are this rank's items, which are rows first_row .. first_row + b - 1
// of all_audio, all_image [B, E] (every rank's items, gathered with gradient). Terms and total are
// means over the b rows; with b = B and first_row 0 they equal infonce_in_batch.
LossOutput infonce_in_batch_rows(const at::Tensor& audio_rows, const at::Tensor& image_rows, const at::Tensor& all_audio,
                                 const at::Tensor& all_image, int64_t first_row, const at::Tensor& scale);

// infonce_sampled_shared for the b items first_row .. first_row + b - 1 of all_audio, all_image [B, E]:
// negative_images, negative_audios [b, K] index all B items. With b = B it equals infonce_sampled_shared.
LossOutput infonce_sampled_shared_rows(const at::Tensor& all_audio, const at::Tensor& all_image,
                                       const at::Tensor& negative_images, const at::Tensor& negative_audios,
                                       int64_t first_row, const at::Tensor& scale);

}  // namespace vgs::losses
