// Tests of the pooling tower: parity with me-vgs's TransformerPooling (nn.TransformerEncoderLayer,
// tests/python/ref_me_vgs.py) in eval and train mode, the md parameter counts, input-layer mixing,
// padding, dropout and the errors for inconsistent configs and inputs.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <cmath>
#include <iostream>

#include "tests/models/parity.h"
#include "vgs/core/error.h"
#include "vgs/core/log.h"
#include "vgs/models/pooling_tower.h"
#include "vgs/nn/load_state.h"

using namespace vgs;
using Catch::Contains;

namespace {

// me-vgs's single `layer.` is `layers.0.` in vgs.
io::StateDict vgs_names(const io::StateDict& state) {
  io::StateDict renamed;
  for (const auto& [name, tensor] : state)
    renamed.emplace(name.rfind("layer.", 0) == 0 ? "layers.0." + name.substr(6) : name, tensor);
  return renamed;
}

struct TowerCase {
  models::PoolingTowerConfig config;
  int64_t batch, frames;
  std::string lengths;  // "7,3,1,5" or "none"
};

std::string python_arguments(const TowerCase& c) {
  return log::cat("tower --input-dim ", c.config.input_dim, " --width ", c.config.width, " --embed-dim ", c.config.embed_dim,
                  " --batch ", c.batch, " --frames ", c.frames, " --lengths ", c.lengths, " --depth ", c.config.depth,
                  " --input-layers ", c.config.num_input_layers);
}

// Builds the tower, loads the reference's random weights, and checks eval outputs (both PyTorch
// paths) and train-mode gradients without dropout. Returns the largest eval |diff|.
double check_against_pytorch(const TowerCase& c) {
  test::TempDir dir;
  io::Checkpoint io = test::python_reference(dir, "ref_me_vgs.py", python_arguments(c), "io.pt");
  io::StateDict state = vgs_names(io::read_checkpoint(dir.file("state.pt")).tensors);
  models::PoolingTowerConfig config = c.config;
  config.dropout = 0;  // train mode is compared with PyTorch's dropouts set to 0
  models::PoolingTower tower(config);
  nn::load_state_dict(*tower, state, dir.file("state.pt"), "pooling tower");
  const at::Tensor features = io.tensors.at("features");
  const at::Tensor lengths = io.tensors.count("lengths") ? io.tensors.at("lengths") : at::Tensor();

  tower->eval();
  at::Tensor out;
  {
    torch::NoGradGuard no_grad;
    out = tower->forward(features, lengths);
  }
  const double fast = test::max_abs_diff(out, io.tensors.at("eval_fast"));
  const double slow = test::max_abs_diff(out, io.tensors.at("eval_slow"));
  CHECK(fast <= 1e-5);
  CHECK(slow <= 1e-5);

  tower->train();
  at::Tensor x = features.clone().requires_grad_(true);
  at::Tensor train_out = tower->forward(x, lengths);
  CHECK(test::max_abs_diff(train_out, io.tensors.at("train")) <= 1e-5);
  (train_out * io.tensors.at("probe")).sum().backward();
  double worst_grad = test::relative_diff(x.grad(), io.tensors.at("grad.features"));
  io::StateDict expected_grads;  // grad.<me-vgs name> -> <vgs name>
  for (const auto& [name, tensor] : io.tensors)
    if (name.rfind("grad.", 0) == 0 && name != "grad.features") expected_grads.emplace(name.substr(5), tensor);
  expected_grads = vgs_names(expected_grads);
  for (const auto& p : tower->named_parameters()) {
    INFO("gradient of " << p.key());
    REQUIRE(p.value().grad().defined());
    double d = test::relative_diff(p.value().grad(), expected_grads.at(p.key()));
    CHECK(d <= 1e-5);
    worst_grad = std::max(worst_grad, d);
  }
  std::cout << "pooling tower vs PyTorch (" << python_arguments(c) << "): eval max |diff| " << fast << " (fused path), " << slow
            << " (MHA path); train max relative gradient diff " << worst_grad << "\n";
  return std::max(fast, slow);
}

models::PoolingTowerConfig config_of(int64_t input_dim, int64_t width, int64_t embed_dim, int64_t depth = 1,
                                     int64_t layers = 1) {
  models::PoolingTowerConfig c;
  c.input_dim = input_dim;
  c.width = width;
  c.embed_dim = embed_dim;
  c.depth = depth;
  c.num_input_layers = layers;
  return c;
}

}  // namespace

TEST_CASE("pooling tower matches me-vgs TransformerPooling with a key padding mask") {
  CHECK(check_against_pytorch({config_of(48, 128, 32), 4, 7, "7,3,1,5"}) <= 1e-5);
}

TEST_CASE("pooling tower matches me-vgs TransformerPooling without lengths") {
  CHECK(check_against_pytorch({config_of(40, 64, 16), 3, 9, "none"}) <= 1e-5);
}

TEST_CASE("pooling tower matches me-vgs TransformerPooling at the md size") {
  CHECK(check_against_pytorch({config_of(768, 256, 256), 3, 20, "20,11,5"}) <= 1e-5);
}

TEST_CASE("pooling tower with two layers and input layer mixing matches PyTorch") {
  CHECK(check_against_pytorch({config_of(32, 128, 24, 2, 3), 3, 6, "6,2,4"}) <= 1e-5);
}

TEST_CASE("pooling tower md sizes have the me-vgs parameter counts") {
  models::PoolingTower audio(config_of(768, 256, 256));
  models::PoolingTower image(config_of(2048, 256, 256));
  CHECK(models::count_parameters(*audio) == 1052928);  // me-vgs find-lr.ipynb
  CHECK(models::count_parameters(*image) == 1380608);
  auto params = audio->named_parameters();
  CHECK(params.size() == 18);  // as named_parameters() of me-vgs TransformerPooling
  CHECK(params["layers.0.self_attn.in_proj_weight"].sizes() == torch::IntArrayRef({768, 256}));
  CHECK(params["layers.0.self_attn.in_proj_bias"].sizes() == torch::IntArrayRef({768}));
  CHECK(params["layers.0.self_attn.out_proj.weight"].sizes() == torch::IntArrayRef({256, 256}));
  CHECK(params["layers.0.linear1.weight"].sizes() == torch::IntArrayRef({1024, 256}));
  CHECK(params["layers.0.linear2.bias"].sizes() == torch::IntArrayRef({256}));
  CHECK(params["layers.0.norm2.weight"].sizes() == torch::IntArrayRef({256}));
  CHECK(params["class_embedding"].sizes() == torch::IntArrayRef({256}));
  CHECK(params["proj_in.weight"].sizes() == torch::IntArrayRef({256, 768}));
  CHECK(params["proj_out.weight"].sizes() == torch::IntArrayRef({256, 256}));
  CHECK_FALSE(params.contains("proj_out.bias"));
  CHECK(audio->config().heads() == 4);
  // PyTorch's initialisation: zero attention biases, CLS token of scale input_dim^-0.5.
  CHECK(params["layers.0.self_attn.in_proj_bias"].abs().max().item<float>() == 0);
  CHECK(params["layers.0.self_attn.out_proj.bias"].abs().max().item<float>() == 0);
  CHECK(params["class_embedding"].std().item<double>() == Approx(1 / std::sqrt(768.0)).epsilon(0.25));
}

TEST_CASE("input layer mixing is a softmax weighted sum") {
  models::PoolingTower tower(config_of(2, 64, 8, 1, 3));
  // Equal weights at the start.
  CHECK(torch::allclose(tower->input_layer_mixture(), torch::full({3}, 1.0 / 3)));
  {
    torch::NoGradGuard no_grad;
    tower->input_layer_weights.copy_(torch::tensor({0.0, std::log(2.0), std::log(3.0)}));  // softmax 1/6, 2/6, 3/6
  }
  // [B=1, L=3, T=2, D=2]: layer l holds the values 10^l, 2*10^l; 3*10^l, 4*10^l.
  auto features = torch::tensor({1.f, 2.f, 3.f, 4.f, 10.f, 20.f, 30.f, 40.f, 100.f, 200.f, 300.f, 400.f}).view({1, 3, 2, 2});
  auto mixed = tower->mix_input_layers(features);
  // 1/6 * 1 + 2/6 * 10 + 3/6 * 100 = 321/6 = 53.5, and so on for each value.
  auto expected = torch::tensor({53.5f, 107.f, 160.5f, 214.f}).view({1, 2, 2});
  CHECK(test::max_abs_diff(mixed, expected) <= 1e-4);
  // The mixture learns: the weights get a gradient through the tower.
  tower->forward(torch::randn({2, 3, 5, 2})).sum().backward();
  CHECK(tower->input_layer_weights.grad().abs().sum().item<double>() > 0);
}

TEST_CASE("pooling tower output is unit length and ignores padded frames") {
  torch::manual_seed(1);
  models::PoolingTower tower(config_of(12, 64, 16));
  tower->eval();
  torch::NoGradGuard no_grad;
  auto features = torch::randn({3, 6, 12});
  auto lengths = torch::tensor({6, 2, 4});
  auto out = tower->forward(features, lengths);
  CHECK(out.sizes() == torch::IntArrayRef({3, 16}));
  CHECK(test::max_abs_diff(out.norm(2, -1), torch::ones({3})) <= 1e-6);
  // Item 1 alone, cut to its 2 frames, and with its padding changed: the same embedding.
  auto alone = tower->forward(features.narrow(0, 1, 1).narrow(1, 0, 2), {});
  CHECK(test::max_abs_diff(alone[0], out[1]) <= 1e-6);
  auto changed = features.clone();
  changed[1].narrow(0, 2, 4).fill_(1000);
  CHECK(test::max_abs_diff(tower->forward(changed, lengths), out) <= 1e-6);
  // Lengths that are all full give what no lengths give.
  CHECK(test::max_abs_diff(tower->forward(features, torch::full({3}, 6, torch::kLong)), tower->forward(features, {})) <= 1e-6);
}

TEST_CASE("the last layer computes the CLS row alone as the full layer does") {
  torch::manual_seed(2);
  nn::PreNormEncoderLayer layer(128, 2, 0.0);
  auto x = torch::randn({3, 6, 128});                                                      // [B, 1 + T, W]
  auto frame_keep = torch::arange(5).view({1, 5}) < torch::tensor({5, 2, 3}).view({3, 1});  // [B, T]
  auto keep = torch::cat({torch::ones({3, 1}, torch::kBool), frame_keep}, 1).view({3, 1, 1, 6});
  for (bool masked : {true, false}) {
    INFO("masked " << masked);
    auto full = layer->forward(x, masked ? keep : at::Tensor());  // SDPA over every row
    auto cls = layer->forward_cls(x.select(1, 0), x.narrow(1, 1, 5), masked ? frame_keep : at::Tensor());
    CHECK(cls.sizes() == torch::IntArrayRef({3, 128}));
    CHECK(test::max_abs_diff(cls, full.select(1, 0)) <= 1e-5);
  }
  // A CLS row shared by every item ([1, W]) gives what the same row repeated gives.
  auto shared = layer->forward_cls(x.select(1, 0).narrow(0, 0, 1), x.narrow(1, 1, 5), frame_keep);
  auto repeated = layer->forward_cls(x.select(1, 0).narrow(0, 0, 1).expand({3, 128}), x.narrow(1, 1, 5), frame_keep);
  CHECK(test::max_abs_diff(shared, repeated) <= 1e-6);
}

TEST_CASE("pooling tower dropout acts in training only") {
  torch::manual_seed(3);
  models::PoolingTowerConfig config = config_of(12, 64, 16);
  config.dropout = 0.5;
  models::PoolingTower tower(config);
  auto features = torch::randn({4, 6, 12});
  tower->eval();
  auto a = tower->forward(features), b = tower->forward(features);
  CHECK(torch::equal(a, b));
  tower->train();
  auto c = tower->forward(features), d = tower->forward(features);
  CHECK(test::max_abs_diff(c, d) > 1e-3);
  CHECK(test::max_abs_diff(c, a) > 1e-3);
}

TEST_CASE("pooling tower configs that do not fit are refused") {
  auto with = [](const std::function<void(models::PoolingTowerConfig&)>& change) {
    models::PoolingTowerConfig c = config_of(10, 128, 16);
    change(c);
    return test::error_of([&] { models::PoolingTower tower(c); });
  };
  CHECK_THAT(with([](auto& c) { c.input_dim = 0; }), Contains("input_dim must be at least 1, got 0"));
  CHECK_THAT(with([](auto& c) { c.width = 200; }), Contains("width 200 is not divisible by its 3 heads"));
  CHECK_THAT(with([](auto& c) { c.depth = 0; }), Contains("depth must be at least 1"));
  CHECK_THAT(with([](auto& c) { c.embed_dim = -1; }), Contains("embed_dim"));
  CHECK_THAT(with([](auto& c) { c.dropout = 1.0; }), Contains("dropout must be in [0, 1), got 1"));
  CHECK_THAT(with([](auto& c) { c.num_input_layers = 0; }), Contains("num_input_layers"));
  CHECK(with([](auto& c) { c.width = 32; }) == "(no error)");  // below 64: one head
}

TEST_CASE("pooling tower input shape errors are clear") {
  models::PoolingTower tower(config_of(10, 64, 16));
  auto error = [&](const at::Tensor& features, const at::Tensor& lengths) {
    return test::error_of([&] { tower->forward(features, lengths); });
  };
  CHECK(error(torch::randn({2, 5, 12}), {}) == "pooling tower: features must be [B, T, D] = [B, T, 10], got [2, 5, 12]");
  CHECK_THAT(error(torch::randn({2, 3, 5, 10}), {}), Contains("features must be [B, T, D] = [B, T, 10], got [2, 3, 5, 10]"));
  CHECK_THAT(error(torch::randn({2, 0, 10}), {}), Contains("at least one item and one frame"));
  CHECK_THAT(error(torch::ones({2, 5, 10}, torch::kLong), {}), Contains("floating point"));
  CHECK(error(torch::randn({2, 5, 10}), torch::tensor({5, 3, 1})) ==
        "pooling tower: lengths must be [B] = [2] to match features [2, 5, 10], got [3]");
  CHECK_THAT(error(torch::randn({2, 5, 10}), torch::tensor({5, 6})), Contains("lengths must lie in 1..5"));
  CHECK_THAT(error(torch::randn({2, 5, 10}), torch::tensor({0, 5})), Contains("got 0..5"));
  CHECK_THAT(error(torch::randn({2, 5, 10}), torch::tensor({2.0, 5.0})), Contains("lengths must be integers"));
  models::PoolingTower mixing(config_of(10, 64, 16, 1, 4));
  CHECK_THAT(test::error_of([&] { mixing->forward(torch::randn({2, 5, 10})); }),
             Contains("features must be [B, L, T, D] = [B, 4, T, 10], got [2, 5, 10]"));
}

TEST_CASE("sinusoidal positions make the tower see frame order, which me-vgs's tower ignores") {
  torch::manual_seed(5);
  models::PoolingTowerConfig c{8};
  c.width = 64;
  c.embed_dim = 16;
  c.dropout = 0;
  at::Tensor x = torch::randn({1, 6, 8});
  at::Tensor reversed = x.flip({1});
  models::PoolingTower plain(c);
  plain->eval();
  CHECK(torch::allclose(plain->forward(x), plain->forward(reversed), 1e-5, 1e-6));  // a bag of frames
  c.positions = models::Positions::sinusoidal;
  models::PoolingTower ordered(c);
  ordered->eval();
  CHECK_FALSE(torch::allclose(ordered->forward(x), ordered->forward(reversed), 1e-3, 1e-4));
  models::Positions parsed{};
  CHECK(models::position_encodings().parse("sinusoidal", parsed));
  CHECK(parsed == models::Positions::sinusoidal);
  CHECK_FALSE(models::position_encodings().parse("bogus", parsed));
}

TEST_CASE("standardized inputs are the plain tower applied to standardized features, with the statistics as buffers") {
  torch::manual_seed(6);
  models::PoolingTowerConfig c{5};
  c.width = 64;
  c.embed_dim = 8;
  c.dropout = 0;
  models::PoolingTower plain(c);
  c.standardize_inputs = true;
  models::PoolingTower standardized(c);
  for (auto& p : standardized->named_parameters()) p.value().data().copy_(plain->named_parameters()[p.key()]);
  at::Tensor mean = torch::tensor({-5.0, 1.0, 0.0, 2.0, -1.0}), std = torch::tensor({4.0, 0.5, 1.0, 2.0, 3.0});
  standardized->set_input_statistics(mean, std);
  plain->eval();
  standardized->eval();
  at::Tensor x = torch::randn({3, 7, 5}) * std + mean, lengths = torch::tensor({7, 4, 2});
  CHECK(torch::allclose(standardized->forward(x, lengths), plain->forward((x - mean) / std, lengths), 1e-5, 1e-6));
  auto buffers = standardized->named_buffers();
  CHECK(torch::allclose(buffers["input_mean"], mean));
  CHECK(torch::allclose(buffers["input_inv_std"], 1 / std));
  CHECK(plain->named_buffers().size() == 0);  // the me-vgs tower's state dict is unchanged
  CHECK(test::error_of([&] { plain->set_input_statistics(mean, std); }) ==
        "pooling tower: set_input_statistics needs standardize_inputs");
}

TEST_CASE("pooling tower stages are the pooled input, each layer's CLS and the embedding forward returns") {
  torch::manual_seed(3);
  models::PoolingTowerConfig c;
  c.input_dim = 12, c.width = 16, c.depth = 3, c.embed_dim = 8, c.dropout = 0;
  models::PoolingTower tower(c);
  tower->eval();
  torch::NoGradGuard no_grad;
  const at::Tensor x = torch::randn({2, 5, 12});
  const at::Tensor lengths = torch::tensor({5, 3}, torch::kInt64);
  const std::vector<at::Tensor> stages = tower->stages(x, lengths);
  REQUIRE(stages.size() == 5);  // input, 3 layers, embedding
  CHECK(torch::allclose(stages[0][0], x[0].mean(0)));
  CHECK(torch::allclose(stages[0][1], x[1].narrow(0, 0, 3).mean(0)));  // padding frames left out
  for (int i = 1; i <= 3; ++i) CHECK(stages[static_cast<size_t>(i)].sizes() == at::IntArrayRef({2, 16}));
  CHECK(torch::equal(stages.back(), tower->forward(x, lengths)));
}
