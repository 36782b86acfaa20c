// The text grouping loss of a global batch split over data-parallel ranks, with global negatives:
// each rank encodes its share of the captions, the pooled caption embeddings of every rank are
// gathered with gradient (dist/gather.h), and InfoNCE runs this rank's captions and images against
// the whole batch's (open_clip's local loss). The share is scaled so that its mean over ranks (what
// the trainer's gradient all-reduce takes) is the loss, and the gradient, of one process holding the
// whole batch.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "vgs/losses/loss.h"
#include "vgs/losses/text_grouping_loss.h"
#include "vgs/models/text_grouping.h"

namespace vgs::dist {
class Group;
}  // namespace vgs::dist

namespace vgs::train {

// Rank r's captions: its share of the batch (dist/shares.h), as in the two-tower and links tasks.
// ids, keep [B, L] and image_groups [B, G, D]: the WHOLE global batch, which every rank holds (the
// image side is frozen features, so each rank pools every image itself and only text is gathered).
// Terms: "contrastive" (this rank's rows' mean, unscaled), "reconstruction" (mean over this rank's
// target tokens); total: this rank's share, scaled as above. A rank without captions (a batch
// smaller than the job) still takes part in the gather's backward.
losses::LossOutput text_grouping_rank_loss(models::TextGroupingImpl& model, const losses::TextGroupingLossConfig& config,
                                           const at::Tensor& ids, const at::Tensor& keep, const at::Tensor& image_groups,
                                           dist::Group& group);

}  // namespace vgs::train
