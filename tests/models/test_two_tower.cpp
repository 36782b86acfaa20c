// Tests of the two-tower model: a me-vgs CLIP state dict carried over (names, loss and every
// gradient against tests/python/ref_me_vgs.py), the fixed and learnable temperatures and the clamp.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <cmath>
#include <iostream>

#include "tests/models/parity.h"
#include "vgs/core/error.h"
#include "vgs/losses/infonce.h"
#include "vgs/models/two_tower.h"
#include "vgs/nn/load_state.h"

using namespace vgs;
using Catch::Contains;

namespace {

models::TwoTowerConfig small_config(models::Temperature temperature) {
  models::TwoTowerConfig c;
  c.audio = {24, 128, 1, 32};
  c.image = {40, 128, 1, 32};
  c.audio.dropout = c.image.dropout = 0;
  c.temperature = temperature;
  return c;
}

}  // namespace

TEST_CASE("two tower on a me-vgs CLIP state dict gives its loss and gradients") {
  test::TempDir dir;
  io::Checkpoint io = test::python_reference(dir, "ref_me_vgs.py", "clip", "io.pt");
  io::StateDict state = models::rename_me_vgs_state(io::read_checkpoint(dir.file("state.pt")).tensors);
  CHECK(state.count("audio_tower.layers.0.self_attn.in_proj_weight") == 1);
  CHECK(state.count("image_tower.proj_out.weight") == 1);
  models::TwoTower model(small_config(models::Temperature::fixed));
  nn::LoadOptions options;
  options.ignored = [](const std::string& name) { return name == "logit_scale"; };  // fixed: not a parameter
  nn::load_state_dict(*model, state, dir.file("state.pt"), "two-tower model", options);
  model->train();  // the reference runs in train mode with dropout 0, as the config here

  // me-vgs's layouts: audio B x N x D x T with lengths B x N, image B x N x D x 3 x 3.
  const at::Tensor audio = io.tensors.at("audio"), image = io.tensors.at("image");
  const int64_t B = audio.size(0), N = audio.size(1);
  at::Tensor audio_frames = audio.reshape({B * N, audio.size(2), audio.size(3)}).transpose(1, 2);  // [BN, T, D]
  at::Tensor image_tokens = image.reshape({B * N, image.size(2), -1}).transpose(1, 2);             // [BN, 9, D]
  at::Tensor a = model->embed_audio(audio_frames, io.tensors.at("audio_length").reshape({B * N})).view({B, N, -1});
  at::Tensor i = model->embed_image(image_tokens).view({B, N, -1});
  losses::LossOutput loss = losses::infonce_sampled(a, i, model->scale());
  const double loss_diff = test::relative_diff(loss.total, io.tensors.at("loss"));
  CHECK(loss_diff <= 1e-5);  // a whole float32 model: rounding of its layers adds up
  loss.total.backward();

  io::StateDict expected;
  for (const auto& [name, tensor] : io.tensors)
    if (name.rfind("grad.", 0) == 0) expected.emplace(name.substr(5), tensor);
  // me-vgs's max(exp(logit_scale), 100) passes no gradient to logit_scale: why "fixed" reproduces it.
  CHECK(expected.at("logit_scale").item<double>() == 0);
  expected = models::rename_me_vgs_state(expected);
  double worst = 0;
  for (const auto& p : model->named_parameters()) {
    INFO("gradient of " << p.key());
    double d = test::relative_diff(p.value().grad(), expected.at(p.key()));
    CHECK(d <= 1e-5);
    worst = std::max(worst, d);
  }
  std::cout << "two tower vs me-vgs CLIP: loss " << loss.total.item<double>() << ", relative diff " << loss_diff
            << "; max relative gradient diff over " << model->named_parameters().size() << " parameters " << worst << "\n";
}

TEST_CASE("fixed temperature is 100 with no gradient") {
  models::TwoTower model(small_config(models::Temperature::fixed));
  at::Tensor scale = model->scale();
  CHECK(scale.dim() == 0);
  CHECK(scale.item<double>() == 100.0);
  CHECK_FALSE(scale.requires_grad());
  CHECK_FALSE(model->named_parameters().contains("logit_scale"));
  CHECK(models::count_parameters(*model) ==
        models::count_parameters(*model->audio_tower) + models::count_parameters(*model->image_tower));
  model->clamp_logit_scale();  // a no-op
  CHECK(model->scale().item<double>() == 100.0);
}

TEST_CASE("learnable temperature starts at 1 over 0.07 and is clamped at 100") {
  models::TwoTower model(small_config(models::Temperature::learnable));
  REQUIRE(model->named_parameters().contains("logit_scale"));
  CHECK(model->logit_scale.dim() == 0);
  CHECK(model->scale().item<double>() == Approx(1 / 0.07).epsilon(1e-6));
  CHECK(model->scale().requires_grad());

  // A step that pushes exp(logit_scale) far above 100, then open_clip's clamp.
  torch::optim::SGD optimizer({model->logit_scale}, torch::optim::SGDOptions(1.0));
  (-model->scale()).backward();  // d/dlogit_scale = -14.3: the step adds 14.3 to logit_scale
  optimizer.step();
  CHECK(model->scale().item<double>() > 1e6);
  model->clamp_logit_scale();
  CHECK(model->logit_scale.item<double>() == Approx(std::log(100.0)).epsilon(1e-6));
  CHECK(model->scale().item<double>() <= 100.0 * (1 + 1e-6));
  CHECK(model->scale().item<double>() == Approx(100.0).epsilon(1e-5));
  CHECK(model->logit_scale.requires_grad());  // the clamp ran without autograd and left a leaf

  // And from below: a negative logit scale comes back to 0 (scale 1).
  {
    torch::NoGradGuard no_grad;
    model->logit_scale.fill_(-3);
  }
  model->clamp_logit_scale();
  CHECK(model->scale().item<double>() == 1.0);
}

TEST_CASE("two tower embeds each modality with its own tower") {
  torch::manual_seed(4);
  models::TwoTower model(small_config(models::Temperature::fixed));
  model->eval();
  torch::NoGradGuard no_grad;
  auto audio = torch::randn({2, 5, 24});
  auto image = torch::randn({2, 9, 40});
  auto a = model->embed_audio(audio, torch::tensor({5, 3}));
  auto i = model->embed_image(image);
  CHECK(a.sizes() == torch::IntArrayRef({2, 32}));
  CHECK(i.sizes() == torch::IntArrayRef({2, 32}));
  CHECK(torch::equal(a, model->audio_tower->forward(audio, torch::tensor({5, 3}))));
  CHECK(torch::equal(i, model->image_tower->forward(image)));
}

TEST_CASE("two tower configs that do not fit are refused") {
  auto with = [](const std::function<void(models::TwoTowerConfig&)>& change) {
    models::TwoTowerConfig c = small_config(models::Temperature::fixed);
    change(c);
    return test::error_of([&] { models::TwoTower model(c); });
  };
  CHECK_THAT(with([](auto& c) { c.image.embed_dim = 64; }), Contains("the towers must share embed_dim, got audio 32 and image 64"));
  CHECK_THAT(with([](auto& c) { c.fixed_scale = 0; }), Contains("fixed_scale must be positive"));
  CHECK_THAT(with([](auto& c) { c.logit_scale_init = 5; }), Contains("logit_scale_init must lie in [0, ln(max_scale) = 4.60517]"));
  CHECK_THAT(with([](auto& c) { c.audio.input_dim = 0; }), Contains("pooling tower: input_dim must be at least 1"));
  CHECK(with([](auto&) {}) == "(no error)");
}

TEST_CASE("the default two tower is the me-vgs md model") {
  models::TwoTower model;
  CHECK(model->config().temperature == models::Temperature::fixed);
  CHECK(model->scale().item<double>() == 100.0);
  CHECK(models::count_parameters(*model->audio_tower) == 1052928);
  CHECK(models::count_parameters(*model->image_tower) == 1380608);
}
