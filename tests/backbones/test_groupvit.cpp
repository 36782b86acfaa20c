// Tests of the GroupViT image encoder: parity with transformers' GroupViTModel (random weights and
// BatchNorm statistics, tests/python/ref_groupvit.py) loaded from the HF and the NVlabs layouts, at
// 224 and at an interpolated size; the loader's errors; the backbone's layers and vgs-extract.
#include <catch2/catch.hpp>
#include <torch/csrc/jit/serialization/pickle.h>
#include <torch/torch.h>

#include <fstream>
#include <iterator>

#include "tests/support/temp_dir.h"
#include "vgs/backbones/groupvit.h"
#include "vgs/backbones/groupvit_weights.h"
#include "vgs/backbones/registry.h"
#include "vgs/core/error.h"
#include "vgs/data/manifest.h"
#include "vgs/io/feature_store.h"
#include "vgs/io/image.h"
#include "vgs/io/safetensors.h"
#include "vgs/io/weights.h"

using namespace vgs;
using Catch::Contains;
using vgs::test::error_of;

namespace {

constexpr double kTolerance = 1e-4;
// HF's top-2 assignment probabilities closer than this are a tie in float noise: either group may win.
constexpr double kTieGap = 1e-5;

// A torch.save'd dict of tensors, read with LibTorch's unpickler (independent of vgs's reader).
io::StateDict load_torch_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  io::StateDict tensors;
  for (const auto& item : torch::pickle_load(bytes).toGenericDict())
    tensors.emplace(item.key().toStringRef(), item.value().toTensor());
  return tensors;
}

double max_diff(const torch::Tensor& a, const torch::Tensor& b) {
  REQUIRE(a.sizes() == b.sizes());
  return (a - b).abs().max().item<double>();
}

struct Reference {
  test::TempDir dir;
  io::StateDict cases;
};

// Runs ref_groupvit.py once per process and configuration (the real one takes a while).
const Reference& reference(const std::string& config) {
  static std::map<std::string, std::unique_ptr<Reference>> made;
  auto& slot = made[config];
  if (!slot) {
    slot = std::make_unique<Reference>();
    auto run = test::run_python("ref_groupvit.py", slot->dir.path() + " --config " + config + " --sizes 224,160x208");
    INFO(run.output);
    REQUIRE(run.exit_code == 0);
    slot->cases = load_torch_file(slot->dir.file("cases.pt"));
  }
  return *slot;
}

// Hard maps equal HF's except at tokens whose top-2 HF probabilities tie within kTieGap; returns
// how many tokens were such ties and differed.
int64_t compare_hard(const torch::Tensor& ours, const torch::Tensor& hf, const torch::Tensor& hf_soft) {
  REQUIRE(ours.sizes() == hf.sizes());
  CHECK(ours.sum(1).eq(1).all().item<bool>());  // one-hot over the groups
  CHECK(ours.eq(0).logical_or(ours.eq(1)).all().item<bool>());
  torch::Tensor differs = ours.ne(hf).any(1);  // [B, N]
  torch::Tensor top = std::get<0>(hf_soft.topk(2, 1));  // [B, 2, N]
  torch::Tensor tie = (top.select(1, 0) - top.select(1, 1)).lt(kTieGap);
  CHECK(differs.logical_and(tie.logical_not()).sum().item<int64_t>() == 0);
  return differs.sum().item<int64_t>();
}

// Every output of `model` against HF's at one size; returns the largest embedding |diff|.
double compare_with_hf(backbones::GroupViTImpl& model, const io::StateDict& cases, const std::string& size) {
  auto at = [&](const std::string& name) { return cases.at(name + "_" + size); };
  auto out = model.forward(at("input"));
  double worst = 0;
  for (auto [ours, name] : {std::pair{out.groups, "groups"}, {out.projected, "projected"}, {out.pooled, "pooled"},
                            {out.stage_tokens[0], "stage1"}, {out.stage_tokens[1], "stage2"}}) {
    double d = max_diff(ours, at(name));
    INFO(name << " at " << size << ": max |diff| " << d);
    CHECK(d <= kTolerance);
    worst = std::max(worst, d);
  }
  REQUIRE(out.soft.size() == 2);
  for (size_t s = 0; s < 2; ++s) {
    const std::string stage = std::to_string(s);
    double d = max_diff(out.soft[s], at("soft" + stage));
    INFO("soft map " << s << " at " << size << ": max |diff| " << d);
    CHECK(d <= kTolerance);
    int64_t ties = compare_hard(out.hard[s], at("hard" + stage), at("soft" + stage));
    INFO("hard map " << s << ": " << ties << " tied tokens assigned differently");
    CHECK(ties == 0);  // the seeds used have no such ties; a differing tie would also move the groups
  }
  return worst;
}

io::StateDict read_weights(const std::string& path) { return io::read_checkpoint(path).tensors; }

}  // namespace

TEST_CASE("GroupViT matches transformers loaded from the HF and the NVlabs layouts") {
  const Reference& ref = reference("real");
  for (const std::string file : {"hf.safetensors", "nvlabs.pth"}) {
    backbones::GroupViT model;  // the real config: 384 wide, [6,3,3], 64/8 groups, 256 projection
    auto tensors = read_weights(ref.dir.file(file));
    backbones::GroupViTNaming naming;
    backbones::groupvit_canonical_state(tensors, file, &naming);
    CHECK(naming == (file == "nvlabs.pth" ? backbones::GroupViTNaming::nvlabs : backbones::GroupViTNaming::huggingface));
    backbones::load_groupvit_weights(*model, tensors, ref.dir.file(file));
    for (const std::string size : {"224", "160x208"}) {
      double worst = compare_with_hf(*model, ref.cases, size);
      std::cout << "groupvit " << file << " " << size << ": max |diff| " << worst << "\n";
    }
  }
}

TEST_CASE("the tiny GroupViT config matches transformers with the same numbers") {
  const Reference& ref = reference("tiny");
  backbones::GroupViT model(backbones::GroupViTConfig::tiny());
  backbones::load_groupvit_weights(*model, read_weights(ref.dir.file("nvlabs.pth")), "nvlabs.pth");
  for (const std::string size : {"224", "160x208"}) compare_with_hf(*model, ref.cases, size);
}

TEST_CASE("GroupViT weights with a missing, unexpected or mis-shaped tensor give one error listing them") {
  const Reference& ref = reference("tiny");
  auto tensors = read_weights(ref.dir.file("hf.safetensors"));
  tensors.erase("vision_model.encoder.stages.1.downsample.assign.k_proj.weight");
  tensors["vision_model.extra.weight"] = torch::zeros({2});
  tensors["visual_projection.3.bias"] = torch::zeros({7});
  const std::string path = ref.dir.file("broken.safetensors");
  io::write_safetensors(path, tensors);
  backbones::GroupViT model(backbones::GroupViTConfig::tiny());
  std::string error = error_of([&] { backbones::load_groupvit_weights(*model, read_weights(path), path); });
  CHECK_THAT(error, Contains(path + ": weights do not match GroupViT(width=32"));
  CHECK_THAT(error, Contains("missing [encoder.stages.1.downsample.assign.k_proj.weight]"));
  CHECK_THAT(error, Contains("unexpected [extra.weight]"));
  CHECK_THAT(error, Contains("visual_projection.3.bias"));
  CHECK(error.find('\n') == std::string::npos);

  io::write_safetensors(path, {{"encoder.layers.0.weight", torch::zeros({2})}});
  CHECK_THAT(error_of([&] { backbones::load_groupvit_weights(*model, read_weights(path), path); }),
             Contains(path + ": no GroupViT image-encoder tensors found"));
  // the real config does not take the tiny file: shapes differ, and the error says so
  backbones::GroupViT real;
  CHECK_THAT(error_of([&] {
               backbones::load_groupvit_weights(*real, read_weights(ref.dir.file("nvlabs.pth")), "tiny.pth");
             }),
             Contains("tiny.pth: weights do not match GroupViT(width=384"));
}

TEST_CASE("the groupvit backbones give segments, groups and projected groups as layers 1 to 4") {
  auto tiny = backbones::make_backbone({"groupvit_tiny", "", 0, 3});
  CHECK(tiny->modality() == backbones::Modality::image);
  CHECK(tiny->image_size() == 224);
  CHECK(tiny->default_layer() == 4);
  CHECK(tiny->feature_dim(1) == 32);
  CHECK(tiny->feature_dim(4) == 32);
  torch::manual_seed(0);
  auto images = torch::randn({2, 3, 96, 128});
  auto all = tiny->forward(images, {}, {1, 2, 3, 4});
  REQUIRE(all.layers.size() == 4);
  CHECK(all.layers[0].sizes() == torch::IntArrayRef{2, 8, 32});
  CHECK(all.layers[1].sizes() == torch::IntArrayRef{2, 4, 32});
  CHECK(all.layers[2].sizes() == torch::IntArrayRef{2, 4, 32});
  CHECK(all.layers[3].sizes() == torch::IntArrayRef{2, 4, 32});
  CHECK(all.lengths.eq(8).all().item<bool>());
  // asking for an early layer alone stops there and gives the same tokens
  CHECK(max_diff(tiny->forward(images, {}, {2}).layers[0], all.layers[1]) == 0);
  // the same seed builds the same random backbone
  auto again = backbones::make_backbone({"groupvit_tiny", "", 0, 3});
  CHECK(max_diff(again->forward(images, {}, {4}).layers[0], all.layers[3]) == 0);
  CHECK_THAT(error_of([] { backbones::make_backbone({"groupvit"}); }), Contains("needs a weights file"));
  CHECK_THAT(error_of([&] { tiny->check_layers({5}); }), Contains("layer 5 does not exist (layers 1..4)"));
}

TEST_CASE("vgs-extract stores groupvit_tiny's projected groups and records the clip normalisation") {
  test::TempDir dir;
  std::vector<data::ImageItem> items;
  for (int i = 0; i < 3; ++i) {
    io::Image im;
    im.height = 60 + 10 * i;
    im.width = 80;
    im.data.assign(static_cast<size_t>(3 * im.height * im.width), 0.2f * i + 0.1f);
    std::string path = dir.file("img/" + std::to_string(i) + ".png");
    io::write_image(path, im);
    items.push_back({"i" + std::to_string(i), path, "ball", "toy", 0});
  }
  data::write_image_manifest(dir.file("images.jsonl"), items);
  auto r = test::run_command(test::program("vgs-extract") + " --backbone groupvit_tiny --manifest " +
                             dir.file("images.jsonl") + " --output " + dir.file("g.h5") +
                             " --set image.normalization=clip --set image.resize_policy=shorter_side_crop"
                             " --set image.resize=224 --set image.crop=224 --set image.interpolation=pil_bicubic");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  io::FeatureStore store(dir.file("g.h5"));
  CHECK(store.ids().size() == 3);
  CHECK(store.read("i1").sizes() == torch::IntArrayRef{4, 32});  // 4 groups x the 32-d projection
  CHECK_THAT(store.info().image_preprocessing, Contains("mean 0.481455,0.457828,0.408211 std 0.26863,0.261303,0.275777"));
  auto bad = test::run_command(test::program("vgs-extract") + " --backbone groupvit_tiny --manifest " +
                               dir.file("images.jsonl") + " --set image.mean=[0.5,0.5,0.5]");
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.output, Contains("--set: image.mean: is used only with image.normalization: custom (it is imagenet"));
}
