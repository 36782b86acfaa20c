// The language-links loss (me-vgs CLIPTwoAudios): the me-vgs sampled InfoNCE between the anchor audio
// and the images, between the same word in the other language and the images, and between the two
// audios, averaged, so that a bilingual model is also told which words translate each other.
#pragma once

#include <ATen/core/Tensor.h>

#include "vgs/losses/loss.h"

namespace vgs::losses {

// audio1, audio2, image [B, 1 + K, E], L2-normalised, with K >= 1: row 0 of item b is its positive
// triplet (anchor audio in lang1, the same word in lang2, an image of it), rows 1..K its negatives.
// Each pair term is infonce_sampled: "audio1_image" = L(audio1, image), "audio2_image" = L(audio2, image)
// and "audio1_audio2" = L(audio1, audio2), in which audio2 plays the image's part. total = their mean.
// scale as infonce_sampled's (one value; its gradient flows when it has one).
LossOutput language_links_loss(const at::Tensor& audio1, const at::Tensor& audio2, const at::Tensor& image,
                               const at::Tensor& scale);

}  // namespace vgs::losses
