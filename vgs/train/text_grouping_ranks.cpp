// The text grouping loss over data-parallel ranks (see text_grouping_ranks.h).
#include "vgs/train/text_grouping_ranks.h"

#include <torch/torch.h>

#include "vgs/dist/gather.h"
#include "vgs/dist/group.h"
#include "vgs/dist/shares.h"
#include "vgs/losses/infonce.h"

namespace vgs::train {

losses::LossOutput text_grouping_rank_loss(models::TextGroupingImpl& model, const losses::TextGroupingLossConfig& config,
                                           const at::Tensor& ids, const at::Tensor& keep, const at::Tensor& image_groups,
                                           dist::Group& group) {
  config.validate();
  const int64_t n = ids.size(0), world = group.size(), rank = group.rank();
  const std::vector<int64_t> counts = dist::share_counts(n, world);
  const int64_t first = dist::share_begin(n, rank, world), count = counts[static_cast<size_t>(rank)];
  losses::LossOutput out;
  models::TextGroupingOutput text;
  at::Tensor pooled;
  if (count > 0) {
    text = model.forward(ids.narrow(0, first, count), keep.narrow(0, first, count));
    pooled = text.pooled;
  } else {  // nothing of its own, but the gather's backward is a collective: stay in the graph
    pooled = torch::zeros({0, model.config().embed_dim}, model.scale().options()).requires_grad_(true);
  }
  at::Tensor total = torch::zeros({}, model.scale().options());
  if (config.contrastive) {
    const at::Tensor all_text = dist::all_gather_rows_with_grad(pooled, counts, group);
    const at::Tensor all_image = losses::pool_image_groups(image_groups).to(all_text.scalar_type());
    if (count == 0) {
      total = total + all_text.sum() * 0.0;
    } else {
      losses::LossOutput c = losses::infonce_in_batch_rows(pooled, all_image.narrow(0, first, count), all_text, all_image, first,
                                                           model.scale());
      out.terms["contrastive"] = c.total.detach();
      total = total + c.total * (static_cast<double>(count * world) / static_cast<double>(n));
    }
  }
  if (config.reconstruction && count > 0) {
    // The whole batch's term is the mean over all its target tokens: this rank adds its tokens' sum
    // over that count, times W for the average over ranks.
    const at::Tensor local_keep = keep.narrow(0, first, count);
    const at::Tensor mean = model.reconstruction_loss(ids.narrow(0, first, count), local_keep, text.groups);
    const double local_tokens = models::TextGroupingImpl::reconstruction_targets(local_keep).item<double>();
    const double all_tokens = models::TextGroupingImpl::reconstruction_targets(keep).item<double>();
    out.terms["reconstruction"] = mean.detach();
    total = total + mean * (config.reconstruction_weight * local_tokens * static_cast<double>(world) / all_tokens);
  }
  out.total = total;
  return out;
}

}  // namespace vgs::train
