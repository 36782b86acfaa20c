// The text grouping loss over 2 and 3 Gloo ranks (threads of this process) with global negatives: the
// parameter gradients averaged over ranks, as the trainer's all-reduce takes them, equal those of
// one process holding the whole batch, for both terms and each ablation, a rank without captions
// included.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <map>

#include "tests/models/text_grouping_fixture.h"
#include "tests/support/ranks.h"
#include "vgs/losses/text_grouping_loss.h"
#include "vgs/train/text_grouping_ranks.h"

using namespace vgs;

namespace {

std::map<std::string, at::Tensor> gradients(torch::nn::Module& model) {
  std::map<std::string, at::Tensor> out;
  for (const auto& p : model.named_parameters())
    out[p.key()] = p.value().grad().defined() ? p.value().grad().clone() : torch::zeros_like(p.value());
  return out;
}

// A second model with the same weights (the module is not Cloneable).
models::TextGrouping copy_of(models::TextGrouping& model) {
  models::TextGrouping copy(model->config());
  torch::NoGradGuard no_grad;
  auto from = model->named_parameters();
  for (auto& p : copy->named_parameters()) p.value().copy_(from[p.key()]);
  auto buffers = model->named_buffers();
  for (auto& b : copy->named_buffers()) b.value().copy_(buffers[b.key()]);
  copy->eval();
  return copy;
}

}  // namespace

TEST_CASE("the text grouping loss split over ranks gives the whole batch's gradients") {
  torch::manual_seed(5);
  const test::TokenBatch batch = test::token_batch({5, 12, 7, 3, 9, 6, 11}, 12, 40, 3);  // 7 captions
  const at::Tensor image_groups = torch::randn({7, 4, 16});
  for (const auto& [contrastive, reconstruction] : {std::pair{true, true}, {true, false}, {false, true}}) {
    losses::TextGroupingLossConfig config;
    config.contrastive = contrastive, config.reconstruction = reconstruction, config.reconstruction_weight = 0.7;
    models::TextGrouping model(test::small_text_grouping());
    model->eval();  // no Gumbel noise or dropout: the ranks' draws could not match one process's
    const losses::LossOutput whole = losses::text_grouping_batch_loss(*model, config, batch.ids, batch.keep, image_groups);
    whole.total.backward();
    const auto want = gradients(*model);
    for (int ranks : {2, 3, 8}) {  // 8 ranks for 7 captions: one rank has none
      INFO("contrastive " << contrastive << ", reconstruction " << reconstruction << ", " << ranks << " ranks");
      std::vector<models::TextGrouping> copies;
      for (int r = 0; r < ranks; ++r) copies.push_back(copy_of(model));
      // Catch's assertions are not thread-safe: each rank records, the checks run afterwards.
      std::vector<double> loss_mean(static_cast<size_t>(ranks)), worst(static_cast<size_t>(ranks));
      std::vector<std::string> worst_name(static_cast<size_t>(ranks));
      test::on_ranks(ranks, [&](dist::Group& g) {
        const auto r = static_cast<size_t>(g.rank());
        models::TextGroupingImpl& mine = *copies[r];
        const losses::LossOutput share = train::text_grouping_rank_loss(mine, config, batch.ids, batch.keep, image_groups, g);
        if (share.total.requires_grad()) share.total.backward();
        loss_mean[r] = g.mean(share.total.item<double>());
        for (auto& [name, grad] : gradients(mine)) {
          at::Tensor mean = grad.clone();
          g.all_reduce_sum_(mean);
          mean /= ranks;
          const double error = (mean - want.at(name)).abs().max().item<double>() / (1 + want.at(name).abs().max().item<double>());
          if (error >= worst[r]) worst[r] = error, worst_name[r] = name;
        }
      });
      for (int r = 0; r < ranks; ++r) {
        INFO("rank " << r << ", worst parameter " << worst_name[static_cast<size_t>(r)]);
        CHECK(loss_mean[static_cast<size_t>(r)] == Approx(whole.total.item<double>()).epsilon(1e-5));
        CHECK(worst[static_cast<size_t>(r)] < 1e-5);
      }
    }
  }
}
