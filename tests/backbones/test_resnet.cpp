// Tests of the ResNet front end: parity with torchvision (random weights and BatchNorm statistics,
// tests/python/ref_resnet.py), the token layout, and the weights loader's prefixes and errors.
#include <catch2/catch.hpp>
#include <torch/csrc/jit/serialization/pickle.h>
#include <torch/torch.h>

#include <fstream>
#include <iostream>
#include <iterator>

#include "tests/support/temp_dir.h"
#include "vgs/backbones/resnet.h"
#include "vgs/core/error.h"

using namespace vgs;
using Catch::Contains;

namespace {
// A torch.save'd dict of tensors, read with LibTorch's unpickler.
io::StateDict load_torch_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  io::StateDict tensors;
  for (const auto& item : torch::pickle_load(bytes).toGenericDict())
    tensors.emplace(item.key().toStringRef(), item.value().toTensor());
  return tensors;
}

using vgs::test::error_of;

double max_diff(const torch::Tensor& a, const torch::Tensor& b) {
  REQUIRE(a.sizes() == b.sizes());
  return (a - b).abs().max().item<double>();
}

// torchvision's state dict and stage maps for a ResNet(Bottleneck, blocks) at the given sizes.
struct Reference {
  std::string source;
  io::StateDict state;
  io::StateDict cases;
};

Reference torchvision_reference(const std::string& blocks, const std::vector<int>& sizes) {
  test::TempDir dir;
  std::string size_list;
  for (int s : sizes) size_list += (size_list.empty() ? "" : ",") + std::to_string(s);
  auto run = test::run_python("ref_resnet.py", dir.path() + " --blocks " + blocks + " --sizes " + size_list + " --batch 2");
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  return {dir.file("state.pt"), load_torch_file(dir.file("state.pt")), load_torch_file(dir.file("cases.pt"))};
}

// Loads the reference's weights into a ResNet of the same blocks and compares every stage's tokens
// and the pooled vector at each size; returns the largest |diff| seen.
double compare_with_torchvision(const Reference& reference, const std::vector<int64_t>& blocks,
                                const std::vector<int>& sizes, bool channels_last) {
  CHECK(reference.state.count("fc.weight") == 1);  // the loader must ignore it
  backbones::ResNetConfig config;
  config.blocks = blocks;
  config.channels_last = channels_last;
  backbones::ResNet model(config);
  backbones::load_resnet_weights(*model, reference.state, reference.source);

  double worst = 0;
  for (int size : sizes) {
    const std::string s = std::to_string(size);
    auto features = model->forward(reference.cases.at("input_" + s));
    REQUIRE(features.stages.size() == 4);
    double worst_here = 0;
    for (int stage = 1; stage <= 4; ++stage) {
      auto expected = reference.cases.at("layer" + std::to_string(stage) + "_" + s);  // [B, C, h, w]
      auto expected_tokens = expected.permute({0, 2, 3, 1}).reshape({2, -1, expected.size(1)});
      double d = max_diff(features.stages[stage - 1], expected_tokens);
      INFO("stage " << stage << " at " << size << ": max |diff| " << d);
      CHECK(d <= 1e-4);
      worst_here = std::max(worst_here, d);
    }
    CHECK(features.tokens.size(1) == (size / 32) * (size / 32));
    CHECK(features.tokens.size(2) == model->output_dim());
    double pooled = max_diff(features.pooled, reference.cases.at("pooled_" + s));
    CHECK(pooled <= 1e-4);
    worst_here = std::max(worst_here, pooled);
    std::cout << "resnet " << backbones::describe(config) << " channels_last=" << channels_last << " at " << size
              << ": layer4 max |value| " << reference.cases.at("layer4_" + s).abs().max().item<double>()
              << ", max |diff| over stages and pooled " << worst_here << "\n";
    worst = std::max(worst, worst_here);
  }
  return worst;
}

torch::OrderedDict<std::string, torch::Tensor> own_state(torch::nn::Module& module) {
  torch::OrderedDict<std::string, torch::Tensor> state;
  for (const auto& p : module.named_parameters()) state.insert(p.key(), p.value());
  for (const auto& b : module.named_buffers()) state.insert(b.key(), b.value());
  return state;
}

backbones::ResNetConfig tiny() {
  backbones::ResNetConfig config;
  config.blocks = {1, 1, 1, 1};
  config.width = 8;
  return config;
}

// A tiny model with random weights and statistics, and its state dict under torchvision's names.
io::StateDict random_tiny_state(backbones::ResNet& model) {
  torch::manual_seed(3);
  io::StateDict state;
  torch::NoGradGuard no_grad;
  for (const auto& item : own_state(*model)) {
    auto t = item.value();
    const bool variance = item.key().find("running_var") != std::string::npos;
    if (t.is_floating_point()) t.copy_(variance ? torch::rand_like(t) + 0.5 : torch::randn_like(t) * 0.3);
    state.emplace(item.key(), t.clone());
  }
  return state;
}
}  // namespace

TEST_CASE("resnet with blocks 1 1 1 1 matches torchvision stage by stage") {
  auto reference = torchvision_reference("1,1,1,1", {64, 96});
  for (bool channels_last : {true, false}) {
    INFO("channels_last " << channels_last);
    CHECK(compare_with_torchvision(reference, {1, 1, 1, 1}, {64, 96}, channels_last) <= 1e-4);
  }
}

TEST_CASE("resnet50 matches torchvision resnet50 at 224 and 256") {
  auto reference = torchvision_reference("3,4,6,3", {224, 256});
  CHECK(compare_with_torchvision(reference, {3, 4, 6, 3}, {224, 256}, true) <= 1e-4);
}

TEST_CASE("resnet50 has torchvision's names and shapes") {
  backbones::ResNet model;
  auto state = own_state(*model);
  CHECK(state.size() == 318);  // torchvision resnet50 without fc: 161 parameters, 157 buffers
  CHECK(state["conv1.weight"].sizes() == torch::IntArrayRef({64, 3, 7, 7}));
  CHECK(state["layer1.0.downsample.0.weight"].sizes() == torch::IntArrayRef({256, 64, 1, 1}));
  CHECK(state["layer1.0.downsample.1.running_mean"].sizes() == torch::IntArrayRef({256}));
  CHECK(state["layer4.2.conv3.weight"].sizes() == torch::IntArrayRef({2048, 512, 1, 1}));
  CHECK(state.contains("layer3.5.bn2.num_batches_tracked"));
  CHECK_FALSE(state.contains("layer1.1.downsample.0.weight"));
  CHECK_FALSE(state.contains("fc.weight"));
  CHECK(model->output_dim() == 2048);
  CHECK(model->stage_channels(1) == 256);
  CHECK(backbones::ResNetImpl::stage_stride(4) == 32);
  CHECK(state["layer2.0.conv2.weight"].is_contiguous(at::MemoryFormat::ChannelsLast));  // the default layout
  CHECK_FALSE(model->is_training());
  for (const auto& p : model->parameters()) CHECK_FALSE(p.requires_grad());
}

TEST_CASE("resnet tokens run over rows then columns") {
  auto map = torch::arange(2 * 3 * 2 * 4, torch::kFloat).reshape({2, 3, 2, 4});  // [B, C, H, W]
  auto tokens = backbones::map_to_tokens(map);                                    // [B, H*W, C]
  REQUIRE(tokens.sizes() == torch::IntArrayRef({2, 8, 3}));
  for (int h = 0; h < 2; ++h)
    for (int w = 0; w < 4; ++w)
      for (int c = 0; c < 3; ++c) CHECK(tokens[1][h * 4 + w][c].item<float>() == map[1][c][h][w].item<float>());
}

TEST_CASE("resnet stage tokens and pooled vector agree with the maps") {
  backbones::ResNet model(tiny());
  random_tiny_state(model);
  auto images = torch::randn({2, 3, 64, 64});
  auto features = model->forward(images);
  CHECK(features.tokens.sizes() == torch::IntArrayRef({2, 4, 256}));
  CHECK(features.pooled.sizes() == torch::IntArrayRef({2, 256}));
  CHECK(features.stages[0].sizes() == torch::IntArrayRef({2, 256, 32}));
  CHECK(torch::allclose(features.pooled, features.tokens.mean(1)));
  CHECK(torch::equal(model->stage_tokens(images, 2), features.stages[1]));
  CHECK(model->stage_maps(images, 3).size() == 3);
  CHECK_FALSE(features.tokens.requires_grad());
}

TEST_CASE("resnet weights load with module or backbone prefixes and without num_batches_tracked") {
  backbones::ResNet reference(tiny());
  auto state = random_tiny_state(reference);
  auto images = torch::randn({1, 3, 64, 64});
  auto expected = reference->forward(images).tokens;

  io::StateDict wrapped;
  for (const auto& [name, tensor] : state)
    if (name.find("num_batches_tracked") == std::string::npos) wrapped.emplace("module.backbone." + name, tensor);
  wrapped.emplace("module.backbone.fc.weight", torch::zeros({10, 256}));  // a classifier the backbone drops
  wrapped.emplace("module.backbone.fc.bias", torch::zeros({10}));
  backbones::ResNet model(tiny());
  backbones::load_resnet_weights(*model, wrapped, "wrapped.pth");
  CHECK(torch::equal(model->forward(images).tokens, expected));
  CHECK(model->named_parameters()["conv1.weight"].is_contiguous(at::MemoryFormat::ChannelsLast));  // kept by loading
}

TEST_CASE("resnet weights that do not match give one error listing them all") {
  backbones::ResNet model(tiny());
  auto state = random_tiny_state(model);
  state.erase("layer2.0.conv1.weight");
  state.erase("layer4.0.bn3.running_var");
  state["bn1.weight"] = torch::ones({9});
  state["head.weight"] = torch::ones({3});
  auto message = error_of([&] { backbones::load_resnet_weights(*model, state, "/data/bad.pth"); });
  CHECK_THAT(message, Contains("/data/bad.pth"));
  CHECK_THAT(message, Contains("ResNet(blocks=[1,1,1,1], width=8)"));
  CHECK_THAT(message, Contains("missing [layer2.0.conv1.weight, layer4.0.bn3.running_var]"));
  CHECK_THAT(message, Contains("unexpected [head.weight]"));
  CHECK_THAT(message, Contains("bn1.weight: file [9] vs model [8]"));
  CHECK(message.find('\n') == std::string::npos);
}

TEST_CASE("resnet refuses a full DINO checkpoint and asks for the backbone file") {
  backbones::ResNet model(tiny());
  auto state = random_tiny_state(model);
  io::StateDict full;
  for (const auto& [name, tensor] : state) {
    full.emplace("teacher.backbone." + name, tensor);
    full.emplace("student.module.backbone." + name, tensor);
  }
  auto message = error_of([&] { backbones::load_resnet_weights(*model, full, "checkpoint.pth"); });
  CHECK_THAT(message, Contains("checkpoint.pth"));
  CHECK_THAT(message, Contains("full DINO training checkpoint"));
  CHECK_THAT(message, Contains("dino_resnet50_pretrain.pth"));
}

TEST_CASE("resnet checks its config stage and input") {
  auto config = tiny();
  config.blocks = {1, 1, 1};
  CHECK_THAT(error_of([&] { backbones::ResNet{config}; }), Contains("4 stages"));
  config.blocks = {1, 0, 1, 1};
  CHECK_THAT(error_of([&] { backbones::ResNet{config}; }), Contains("at least one block"));
  backbones::ResNet model(tiny());
  CHECK_THAT(error_of([&] { model->stage_tokens(torch::zeros({1, 3, 32, 32}), 5); }), Contains("stage must be 1..4"));
  CHECK_THAT(error_of([&] { model->forward(torch::zeros({3, 32, 32})); }), Contains("expected images [B, 3, H, W]"));
  CHECK_THAT(error_of([&] { model->forward(torch::zeros({1, 1, 32, 32})); }), Contains("got [1, 1, 32, 32]"));
}
