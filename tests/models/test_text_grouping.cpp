// Tests of the text grouping model: every output, the loss and every gradient against a PyTorch
// transcription of GroupViT's grouping block (tests/python/ref_text_grouping.py) in float64; the hard
// assignment's shape (one-hot, each real token in one group, padding in none); the straight-through
// gradient; Gumbel noise in training only; eval determinism; padding that changes nothing; the
// temperature and the errors.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <cmath>
#include <iostream>

#include "tests/models/parity.h"
#include "tests/models/text_grouping_fixture.h"
#include "vgs/io/safetensors.h"
#include "vgs/losses/infonce.h"
#include "vgs/losses/text_grouping_loss.h"
#include "vgs/models/text_grouping.h"

using namespace vgs;
using Catch::Contains;

namespace {

const std::vector<int64_t> lengths{9, 4, 12, 6, 2};  // a caption of SOT and EOT only, one of max_len

// Writes the model and inputs, runs the reference, compares; returns the worst gradient difference.
double compare_with_reference(models::TextGroupingConfig config, const std::string& pooling) {
  torch::manual_seed(11);
  models::TextGrouping model(config);
  model->to(torch::kDouble);
  model->eval();
  test::TokenBatch batch = test::token_batch(lengths, config.max_len, config.vocab_size, 3);
  at::Tensor image_groups = torch::randn({static_cast<int64_t>(lengths.size()), 8, config.embed_dim}, torch::kDouble);
  test::TempDir dir;
  io::StateDict state;
  for (const auto& p : model->named_parameters()) state.emplace(p.key(), p.value().detach());
  io::write_safetensors(dir.file("model.safetensors"), state,
                        {{"heads", std::to_string(config.heads)}, {"pooling", pooling},
                         {"tie_output", config.tie_output ? "true" : "false"},
                         {"decoder_heads", std::to_string(config.decoder_heads)},
                         {"assign_eps", std::to_string(config.assign_eps)}, {"reconstruction_weight", "0.7"}});
  io::write_safetensors(dir.file("inputs.safetensors"),
                        {{"ids", batch.ids}, {"keep", batch.keep}, {"image_groups", image_groups}});
  const io::StateDict ref = test::python_reference(dir, "ref_text_grouping.py", "", "reference.pt").tensors;

  models::TextGroupingOutput out = model->forward(batch.ids, batch.keep);
  at::Tensor losses = model->reconstruction_losses(batch.ids, batch.keep, out.groups);
  losses::TextGroupingLossConfig weights;
  weights.reconstruction_weight = 0.7;
  losses::LossOutput loss = losses::text_grouping_loss(weights, out.pooled, losses::pool_image_groups(image_groups),
                                                       model->scale(), model->reconstruction_loss(batch.ids, batch.keep, out.groups));
  CHECK(torch::equal(out.assignment_hard, ref.at("hard")));
  for (const auto& [mine, name] : std::vector<std::pair<at::Tensor, std::string>>{
           {out.groups, "groups"}, {out.pooled, "pooled"}, {out.assignment_soft, "soft"}, {losses, "recon_losses"},
           {loss.terms.at("reconstruction"), "reconstruction"}, {loss.terms.at("contrastive"), "contrastive"},
           {loss.total, "loss"}}) {
    INFO(name);
    CHECK(test::relative_diff(mine, ref.at(name)) <= 1e-10);
  }
  loss.total.backward();
  double worst = 0;
  for (const auto& p : model->named_parameters()) {
    INFO("gradient of " << p.key());
    REQUIRE(p.value().grad().defined());
    const double d = test::relative_diff(p.value().grad(), ref.at("grad." + p.key()));
    CHECK(d <= 1e-9);
    worst = std::max(worst, d);
  }
  std::cout << "text grouping (" << pooling << (config.tie_output ? ", tied" : ", untied") << ") vs PyTorch: loss "
            << loss.total.item<double>() << ", max relative gradient diff over " << model->named_parameters().size()
            << " parameters " << worst << "\n";
  return worst;
}

at::Tensor grad_or_zero(const at::Tensor& p) { return p.grad().defined() ? p.grad() : torch::zeros_like(p); }

}  // namespace

TEST_CASE("text grouping matches a PyTorch transcription of GroupViT grouping with values and gradients") {
  models::TextGroupingConfig config = test::small_text_grouping();
  compare_with_reference(config, "mean");
  config.pooling = models::GroupPooling::max;
  config.tie_output = false;
  config.decoder_heads = 2;
  config.groups = 2;
  compare_with_reference(config, "max");
}

TEST_CASE("text grouping hard assignments put every real token in exactly one group and padding in none") {
  torch::manual_seed(5);
  models::TextGrouping model(test::small_text_grouping(0.1));
  test::TokenBatch batch = test::token_batch(lengths, 12, 40, 8);
  for (bool training : {true, false}) {
    INFO("training " << training);
    model->train(training);
    models::TextGroupingOutput out = model->forward(batch.ids, batch.keep);
    const at::Tensor kept = batch.keep.to(torch::kFloat);
    CHECK(out.assignment_hard.sizes() == torch::IntArrayRef({5, 3, 12}));
    CHECK(((out.assignment_hard == 0) | (out.assignment_hard == 1)).all().item<bool>());  // exactly 0 or 1
    CHECK(torch::equal(out.assignment_hard.sum(1), kept));  // one group per real token, none for padding
    CHECK_FALSE(out.assignment_hard.requires_grad());
    CHECK(test::max_abs_diff(out.assignment_soft.sum(1), kept) < 1e-6);
    CHECK(torch::equal(out.assignment_soft * (1 - kept).unsqueeze(1), torch::zeros_like(out.assignment_soft)));
    CHECK(out.groups.sizes() == torch::IntArrayRef({5, 3, 16}));
    CHECK(test::max_abs_diff(out.groups.norm(2, {-1}), torch::ones({5, 3})) < 1e-6);
    CHECK(test::max_abs_diff(out.pooled.norm(2, {-1}), torch::ones({5})) < 1e-6);
  }
}

TEST_CASE("text grouping with soft assignment still reports the argmax as its hard assignment") {
  torch::manual_seed(5);
  models::TextGroupingConfig config = test::small_text_grouping(0.1);
  config.hard = false;  // the groups average their tokens by the softmax weights themselves
  models::TextGrouping model(config);
  test::TokenBatch batch = test::token_batch(lengths, 12, 40, 8);
  model->train();
  models::TextGroupingOutput out = model->forward(batch.ids, batch.keep);
  CHECK(torch::equal(out.assignment_hard.sum(1), batch.keep.to(torch::kFloat)));
  CHECK(((out.assignment_hard == 0) | (out.assignment_hard == 1)).all().item<bool>());
  model->eval();
  out = model->forward(batch.ids, batch.keep);
  CHECK(torch::equal(out.assignment_hard, torch::zeros_like(out.assignment_soft).scatter_(1, out.assignment_soft.argmax(1, true), 1.0) *
                                              batch.keep.unsqueeze(1)));
}

TEST_CASE("text grouping gradients reach the encoder and token embeddings through the straight-through assignment") {
  torch::manual_seed(6);
  models::TextGrouping model(test::small_text_grouping(0.1));
  model->train();
  test::TokenBatch batch = test::token_batch(lengths, 12, 40, 9);
  models::TextGroupingOutput out = model->forward(batch.ids, batch.keep);
  // The contrastive term alone: no decoder, so the token embedding learns only through the groups.
  losses::infonce_in_batch(out.pooled, losses::pool_image_groups(torch::randn({5, 8, 16})), model->scale()).total.backward();
  const auto params = model->named_parameters();
  // The assignment logits' projections get a gradient only through y_soft in y_hard - y_soft.detach() + y_soft.
  for (const std::string name : {"grouping.assign.q_proj.weight", "grouping.assign.k_proj.weight", "token_embedding.weight",
                                 "positional_embedding", "group_token", "layers.0.self_attn.in_proj_weight",
                                 "layers.1.linear1.weight", "grouping.mlp_inter.fc1.weight", "projection.weight", "logit_scale"}) {
    INFO(name);
    const at::Tensor g = grad_or_zero(params[name]);
    CHECK(torch::isfinite(g).all().item<bool>());
    CHECK(g.abs().max().item<double>() > 0);
  }
  CHECK_FALSE(params["decoder.linear1.weight"].grad().defined());
}

TEST_CASE("text grouping draws Gumbel noise and dropout in training only, and eval is deterministic") {
  torch::manual_seed(7);
  models::TextGrouping model(test::small_text_grouping(0.0));  // no dropout: any change is Gumbel noise
  test::TokenBatch batch = test::token_batch(lengths, 12, 40, 10);
  model->train();
  auto pooled_with_seed = [&](uint64_t seed) {
    torch::manual_seed(seed);
    return model->forward(batch.ids, batch.keep).pooled;
  };
  CHECK(torch::equal(pooled_with_seed(1), pooled_with_seed(1)));
  CHECK(test::max_abs_diff(pooled_with_seed(1), pooled_with_seed(2)) > 1e-4);
  model->eval();
  CHECK(torch::equal(pooled_with_seed(1), pooled_with_seed(2)));
  const auto hard = model->forward(batch.ids, batch.keep).assignment_hard;
  CHECK(torch::equal(hard, model->forward(batch.ids, batch.keep).assignment_hard));
}

TEST_CASE("text grouping ignores what padding positions hold") {
  torch::manual_seed(8);
  models::TextGrouping model(test::small_text_grouping(0.0));
  model->eval();
  test::TokenBatch batch = test::token_batch(lengths, 12, 40, 11);
  at::Tensor other = batch.ids.masked_fill(batch.keep.logical_not(), 17);
  auto a = model->forward(batch.ids, batch.keep), b = model->forward(other, batch.keep);
  CHECK(test::max_abs_diff(a.groups, b.groups) < 1e-6);
  CHECK(torch::equal(a.assignment_hard, b.assignment_hard));
  at::Tensor la = model->reconstruction_losses(batch.ids, batch.keep, a.groups);
  CHECK(test::max_abs_diff(la, model->reconstruction_losses(other, batch.keep, b.groups)) < 1e-5);
  const at::Tensor targets = batch.keep.narrow(1, 1, 11);
  CHECK(torch::equal(la * targets.logical_not(), torch::zeros_like(la)));  // no loss on padding targets
  CHECK((la.masked_select(targets) > 0).all().item<bool>());
  CHECK(models::TextGroupingImpl::reconstruction_targets(batch.keep).item<int64_t>() == 8 + 3 + 11 + 5 + 1);
  CHECK(model->reconstruction_loss(batch.ids, batch.keep, a.groups).item<double>() ==
        Approx(la.sum().item<double>() / 28).epsilon(1e-6));
}

TEST_CASE("text grouping stages pool the input, every layer and the groups, and end at the pooled embedding") {
  torch::manual_seed(9);
  models::TextGroupingConfig config = test::small_text_grouping(0.0);
  models::TextGrouping model(config);
  model->eval();
  test::TokenBatch batch = test::token_batch(lengths, 12, 40, 5);
  const std::vector<at::Tensor> stages = model->stages(batch.ids, batch.keep);
  REQUIRE(stages.size() == static_cast<size_t>(1 + config.encoder_layers + 1 + config.group_layers + 1));
  CHECK(torch::allclose(stages.back(), model->forward(batch.ids, batch.keep).pooled));
  // The input stage by hand: caption 1 has 4 real tokens.
  const at::Tensor input = model->token_embedding(batch.ids[1].narrow(0, 0, 4)) + model->positional_embedding.narrow(0, 0, 4);
  CHECK(test::max_abs_diff(stages[0][1], input.mean(0)) < 1e-6);
  for (size_t s = 0; s + 1 < stages.size(); ++s) CHECK(stages[s].sizes() == at::IntArrayRef({5, config.width}));
  // What padding holds changes no stage.
  const std::vector<at::Tensor> other = model->stages(batch.ids.masked_fill(batch.keep.logical_not(), 17), batch.keep);
  for (size_t s = 0; s < stages.size(); ++s) CHECK(test::max_abs_diff(stages[s], other[s]) < 1e-6);
}

TEST_CASE("text grouping temperature starts at 1 over 0.07 and is clamped at 100") {
  models::TextGrouping model(test::small_text_grouping());
  CHECK(model->scale().item<double>() == Approx(1 / 0.07).epsilon(1e-6));
  {
    torch::NoGradGuard no_grad;
    model->logit_scale.fill_(7);
  }
  model->clamp_logit_scale();
  CHECK(model->scale().item<double>() == Approx(100.0).epsilon(1e-5));
  models::TextGroupingConfig fixed = test::small_text_grouping();
  fixed.temperature = models::Temperature::fixed;
  models::TextGrouping constant(fixed);
  CHECK_FALSE(constant->named_parameters().contains("logit_scale"));
  CHECK(constant->scale().item<double>() == 100.0);
  CHECK_FALSE(models::TextGrouping(test::small_text_grouping())->named_parameters().contains("output.weight"));
}

TEST_CASE("text grouping refuses inconsistent configs and inputs") {
  auto with = [](const std::function<void(models::TextGroupingConfig&)>& change) {
    models::TextGroupingConfig c = test::small_text_grouping();
    change(c);
    return test::error_of([&] { models::TextGrouping model(c); });
  };
  CHECK(with([](auto& c) { c.vocab_size = 0; }) ==
        "text grouping model: vocab_size must be at least 3 (SOT, EOT and a word), got 0; it is set from the tokenizer");
  CHECK_THAT(with([](auto& c) { c.heads = 5; }), Contains("width must be a positive multiple of heads, got width 32 and heads 5"));
  CHECK_THAT(with([](auto& c) { c.gumbel_tau = 0; }), Contains("gumbel_tau must be positive"));
  CHECK_THAT(with([](auto& c) { c.groups = 0; }), Contains("groups must be at least 1"));
  CHECK(with([](auto&) {}) == "(no error)");

  models::TextGrouping model(test::small_text_grouping());
  test::TokenBatch batch = test::token_batch({5, 3}, 6, 40, 1);
  CHECK(test::error_of([&] { model->forward(batch.ids.to(torch::kInt), batch.keep); }) ==
        "text grouping model: ids must be int64 [B, L], got [2, 6] int");
  CHECK_THAT(test::error_of([&] { model->forward(torch::zeros({2, 13}, torch::kLong), torch::ones({2, 13}, torch::kBool)); }),
             Contains("ids must hold at least one caption of 2..12 (max_len) tokens, got [2, 13]"));
  CHECK_THAT(test::error_of([&] { model->forward(batch.ids, batch.keep.to(torch::kLong)); }),
             Contains("keep must be bool of the shape of ids [2, 6]"));
  CHECK(test::error_of([&] { model->forward(batch.ids, batch.keep.logical_not()); }) ==
        "text grouping model: keep[:, 0] must be true (every caption starts with SOT)");
  CHECK(test::error_of([&] { model->forward(batch.ids + 5, batch.keep); }) ==
        "text grouping model: ids must lie in 0..39 (vocab_size 40), got 5..44");
}

TEST_CASE("the default text grouping model has GroupViT's text width and 4 groups") {
  models::TextGroupingConfig c;
  c.vocab_size = 49408;
  models::TextGrouping model(c);
  CHECK(model->group_token.sizes() == torch::IntArrayRef({4, 256}));
  CHECK(model->layers->size() == 6);
  CHECK(model->group_layers->size() == 3);
  // Embedding 12.65 M, 9 encoder layers 0.79 M each, the grouping block, the decoder layer.
  std::cout << "default text grouping model: " << models::count_parameters(*model) << " parameters\n";
  CHECK(models::count_parameters(*model) > 12'648'448 + 9 * 789'760);
}
