// Tests of gradient caching for the text grouping model: with Gumbel noise and dropout on, in float64,
// grad_cache_step's gradients (every parameter, the logit scale's included) and loss equal those of
// the whole-batch loss computed in one graph with the same random draws, for 1, 2, 3 (uneven) and 4
// chunks, in each ablation; in eval mode (no randomness) they equal the plain one-forward batch loss.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <iostream>

#include "tests/models/parity.h"
#include "tests/models/text_grouping_fixture.h"
#include "vgs/losses/infonce.h"
#include "vgs/losses/text_grouping_loss.h"
#include "vgs/train/grad_cache.h"

using namespace vgs;

namespace {

const std::vector<int64_t> lengths{9, 4, 12, 6, 2, 7, 11, 5};

struct Gradients {
  io::StateDict grads;
  double total = 0;
  double next_draw = 0;  // a number drawn after the step: where the step left the generator
};

Gradients collect(models::TextGroupingImpl& model, double total) {
  Gradients g;
  for (const auto& p : model.named_parameters())
    g.grads.emplace(p.key(), p.value().grad().defined() ? p.value().grad().clone() : torch::zeros_like(p.value()));
  g.total = total;
  g.next_draw = torch::rand({}, torch::kDouble).item<double>();
  model.zero_grad();
  return g;
}

// The whole batch in one graph, chunk by chunk in GradCache's order of random draws: every chunk's
// encoder, then every chunk's decoder; without the contrastive term (plain accumulation) each chunk's
// encoder and decoder in turn. With one chunk this is text_grouping_batch_loss itself.
double chunked_batch_loss(models::TextGroupingImpl& model, const losses::TextGroupingLossConfig& config,
                          const test::TokenBatch& batch, const at::Tensor& image_groups, int64_t chunk_size) {
  const int64_t B = batch.ids.size(0);
  std::vector<at::Tensor> ids, keep, groups, pooled, sums;
  for (int64_t first = 0; first < B; first += chunk_size) {
    ids.push_back(batch.ids.narrow(0, first, std::min(chunk_size, B - first)));
    keep.push_back(batch.keep.narrow(0, first, std::min(chunk_size, B - first)));
  }
  auto decode = [&](size_t i) { sums.push_back(model.reconstruction_losses(ids[i], keep[i], groups[i]).sum()); };
  for (size_t i = 0; i < ids.size(); ++i) {
    models::TextGroupingOutput out = model.forward(ids[i], keep[i]);
    groups.push_back(out.groups);
    pooled.push_back(out.pooled);
    if (!config.contrastive) decode(i);
  }
  for (size_t i = 0; i < ids.size() && config.contrastive && config.reconstruction; ++i) decode(i);
  at::Tensor reconstruction;
  if (config.reconstruction)
    reconstruction = at::stack(sums).sum() / models::TextGroupingImpl::reconstruction_targets(batch.keep);
  at::Tensor text = config.contrastive ? at::cat(pooled) : at::Tensor();
  at::Tensor image = config.contrastive ? losses::pool_image_groups(image_groups) : at::Tensor();
  losses::LossOutput loss = losses::text_grouping_loss(config, text, image, model.scale(), reconstruction);
  loss.total.backward();
  return loss.total.item<double>();
}

double worst_difference(const Gradients& a, const Gradients& b) {
  double worst = test::relative_diff(torch::tensor(a.total), torch::tensor(b.total));
  for (const auto& [name, grad] : a.grads) {
    INFO("gradient of " << name);
    const double d = test::relative_diff(grad, b.grads.at(name));
    CHECK(d <= 1e-10);
    worst = std::max(worst, d);
  }
  return worst;
}

// grad_cache_step against the reference for each chunk size, from the same seed.
void check_against_reference(losses::TextGroupingLossConfig config, bool training, const std::string& what) {
  torch::manual_seed(21);
  models::TextGrouping model(test::small_text_grouping(0.2));
  model->to(torch::kDouble);
  model->train(training);
  test::TokenBatch batch = test::token_batch(lengths, 12, 40, 5);
  at::Tensor image_groups = torch::randn({8, 8, 16}, torch::kDouble);
  double worst = 0;
  for (int64_t chunk_size : {8, 4, 3, 2}) {
    INFO(what << ", chunk size " << chunk_size);
    torch::manual_seed(100);
    const int64_t reference_chunk = training ? chunk_size : 8;  // eval: the one-forward batch
    Gradients expected = collect(*model, chunked_batch_loss(*model, config, batch, image_groups, reference_chunk));
    torch::manual_seed(100);
    train::GradCacheResult r = train::grad_cache_step(*model, config, batch.ids, batch.keep, image_groups, chunk_size);
    CHECK(r.chunks == (8 + chunk_size - 1) / chunk_size);
    CHECK(r.replay_diff == 0);
    Gradients actual = collect(*model, r.loss.total.item<double>());
    CHECK(actual.next_draw == expected.next_draw);
    worst = std::max(worst, worst_difference(actual, expected));
  }
  std::cout << "grad cache (" << what << "): max relative difference to the whole-batch gradients over 1-4 chunks "
            << worst << "\n";
}

}  // namespace

TEST_CASE("grad cache gives the whole-batch gradients with Gumbel noise and dropout on") {
  losses::TextGroupingLossConfig config;
  config.reconstruction_weight = 0.6;
  check_against_reference(config, true, "contrastive + reconstruction, training");
}

TEST_CASE("grad cache gives the whole-batch gradients in each ablation") {
  losses::TextGroupingLossConfig contrastive_only, reconstruction_only;
  contrastive_only.reconstruction = false;
  reconstruction_only.contrastive = false;
  check_against_reference(contrastive_only, true, "contrastive only, training");
  check_against_reference(reconstruction_only, true, "reconstruction only, training");
}

TEST_CASE("grad cache in eval mode equals the one-forward batch loss") {
  check_against_reference({}, false, "contrastive + reconstruction, eval");
}

TEST_CASE("grad cache refuses a chunk size below 1 and images that do not match") {
  models::TextGrouping model(test::small_text_grouping());
  test::TokenBatch batch = test::token_batch({5, 3}, 6, 40, 1);
  CHECK(test::error_of([&] { train::grad_cache_step(*model, {}, batch.ids, batch.keep, torch::randn({2, 8, 16}), 0); }) ==
        "grad cache: chunk_size must be at least 1, got 0");
  CHECK(test::error_of([&] { train::grad_cache_step(*model, {}, batch.ids, batch.keep, torch::randn({3, 8, 16}), 1); }) ==
        "grad cache: the image groups must hold one image per caption (2)");
}
