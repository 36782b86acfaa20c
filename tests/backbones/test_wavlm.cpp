// Parity of the native WavLM with HuggingFace transformers' WavLMModel (random weights, no
// download): every hidden state of a batch that mixes lengths, against each utterance run alone by
// HF, max |diff| <= 1e-4; the same weights in torchaudio's and unilm's layouts give the same result.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include "tests/support/temp_dir.h"
#include "vgs/backbones/wavlm.h"
#include "vgs/backbones/wavlm_weights.h"
#include "vgs/core/error.h"
#include "vgs/io/torch_checkpoint.h"

using namespace vgs;
using backbones::WavLM;
using backbones::WavLMConfig;
using Catch::Contains;

namespace {

struct Reference {
  test::TempDir dir;
  io::Checkpoint io;  // waveforms, lengths, item{i}_layer{l}
};

std::unique_ptr<Reference> make_reference(const std::string& which, const std::string& namings) {
  auto ref = std::make_unique<Reference>();
  auto result = test::run_python("ref_wavlm.py", ref->dir.path() + " " + which + " " + namings);
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  ref->io = io::read_checkpoint(ref->dir.file("io.pt"));
  return ref;
}

// Runs the whole batch at once and compares every hidden state of every item with HF's output
// for that item alone; returns the largest difference.
double max_difference(WavLM& model, const io::Checkpoint& io) {
  torch::InferenceMode guard;
  const auto& waveforms = io.tensors.at("waveforms");
  const auto& lengths = io.tensors.at("lengths");
  std::vector<int64_t> layers;
  for (int64_t l = 0; l <= model->config().num_layers; ++l) layers.push_back(l);
  auto out = model->forward(waveforms, lengths, layers);
  double worst = 0;
  for (int64_t i = 0; i < waveforms.size(0); ++i) {
    const int64_t frames = out.frame_lengths[i].item<int64_t>();
    for (int64_t l : layers) {
      const auto& expected = io.tensors.at("item" + std::to_string(i) + "_layer" + std::to_string(l));
      REQUIRE(frames == expected.size(0));
      auto got = out.layers[static_cast<size_t>(l)][i].narrow(0, 0, frames);
      worst = std::max(worst, (got - expected).abs().max().item<double>());
    }
  }
  return worst;
}

WavLMConfig tiny(bool large_layout) {
  WavLMConfig c = large_layout ? WavLMConfig::large() : WavLMConfig::base_plus();
  c.hidden_size = 64;
  c.num_layers = 2;
  c.num_heads = 4;
  c.intermediate_size = 128;
  c.conv_dim = std::vector<int64_t>(7, 32);
  c.pos_conv_kernel = 16;
  c.pos_conv_groups = 4;
  c.normalize_waveform = false;  // HF's model does not normalise; its feature extractor does
  return c;
}

using vgs::test::error_of;

}  // namespace

TEST_CASE("WavLM frame counts follow the conv stack") {
  WavLMConfig c = WavLMConfig::base_plus();
  CHECK(c.frames(16000) == 49);
  CHECK(c.frames(400) == 1);
  CHECK(c.frames(399) == 0);
  CHECK(c.frames(720) == 2);
}

TEST_CASE("WavLM relative position buckets match the reference values") {
  auto buckets = backbones::wavlm_position_buckets(801, 320, 800);
  // Row = query 0, column = key: key after query.
  std::vector<std::pair<int64_t, int64_t>> after{{0, 0}, {1, 161}, {79, 239}, {80, 240}, {100, 247}, {400, 295}, {799, 319}};
  for (auto [offset, bucket] : after) CHECK(buckets[0][offset].item<int64_t>() == bucket);
  // Key before query: query 800, key 800 - offset.
  std::vector<std::pair<int64_t, int64_t>> before{{0, 0}, {1, 1}, {79, 79}, {80, 80}, {100, 87}, {400, 135}, {799, 159}};
  for (auto [offset, bucket] : before) CHECK(buckets[800][800 - offset].item<int64_t>() == bucket);
}

TEST_CASE("tiny WavLM in every naming matches HuggingFace on a mixed-length batch") {
  for (bool large_layout : {false, true}) {
    INFO((large_layout ? "Large layout" : "Base layout"));
    auto ref = make_reference(large_layout ? "tiny_large" : "tiny", "hf,torchaudio,unilm");
    for (std::string naming : {"hf", "torchaudio", "unilm"}) {
      INFO(naming);
      WavLM model(tiny(large_layout));
      std::string path = ref->dir.file(naming + ".pt");
      backbones::load_wavlm_weights(*model, io::read_checkpoint(path), path);
      CHECK(max_difference(model, ref->io) <= 1e-4);
    }
  }
}

TEST_CASE("WavLM Base+ matches HuggingFace on every hidden state") {
  auto ref = make_reference("base_plus", "hf");
  WavLM model(WavLMConfig::base_plus());
  std::string path = ref->dir.file("hf.pt");
  backbones::load_wavlm_weights(*model, io::read_checkpoint(path), path, "WavLM Base+");
  double diff = max_difference(model, ref->io);
  UNSCOPED_INFO("WavLM Base+ max |diff| = " << diff);
  CHECK(diff <= 1e-4);
}

TEST_CASE("WavLM Large matches HuggingFace on every hidden state") {
  auto ref = make_reference("large", "hf");
  WavLMConfig config = WavLMConfig::large();
  config.normalize_waveform = false;  // compared with HF's model, which takes normalised input
  WavLM model(config);
  std::string path = ref->dir.file("hf.pt");
  backbones::load_wavlm_weights(*model, io::read_checkpoint(path), path, "WavLM Large");
  double diff = max_difference(model, ref->io);
  UNSCOPED_INFO("WavLM Large max |diff| = " << diff);
  CHECK(diff <= 1e-4);
}

TEST_CASE("WavLM weight errors list every problem at once") {
  auto ref = make_reference("tiny", "hf,unilm");
  std::string path = ref->dir.file("hf.pt");
  io::Checkpoint checkpoint = io::read_checkpoint(path);
  checkpoint.tensors.erase("encoder.layers.1.final_layer_norm.bias");
  checkpoint.tensors["encoder.layers.0.attention.q_proj.weight"] = torch::zeros({3, 3});
  WavLM model(tiny(false));
  std::string message = error_of([&] { backbones::load_wavlm_weights(*model, checkpoint, path, "tiny WavLM"); });
  CHECK_THAT(message, Contains(path + ": weights do not match tiny WavLM") &&
                          Contains("missing [encoder.layers.1.final_layer_norm.bias]") &&
                          Contains("encoder.layers.0.attention.q_proj.weight: file [3, 3] vs model [64, 64]"));
  // A unilm cfg that says pre-LN cannot load into a post-LN model.
  std::string unilm = ref->dir.file("unilm.pt");
  io::Checkpoint unilm_checkpoint = io::read_checkpoint(unilm);
  unilm_checkpoint.metadata["cfg.layer_norm_first"] = "true";
  CHECK_THAT(error_of([&] { backbones::load_wavlm_weights(*model, unilm_checkpoint, unilm); }),
             Contains("layer_norm_first=true"));
  io::Checkpoint not_wavlm;
  not_wavlm.tensors["conv1.weight"] = torch::zeros({1});
  CHECK_THAT(error_of([&] { backbones::load_wavlm_weights(*model, not_wavlm, "resnet.pth"); }),
             Contains("resnet.pth: no WavLM tensors found"));
}

TEST_CASE("WavLM Large normalises each utterance over its own samples") {
  WavLMConfig config = tiny(true);
  config.normalize_waveform = true;
  WavLM model(config);
  torch::InferenceMode guard;
  auto a = torch::randn({1, 8000}) * 0.3 + 0.1;
  auto padded = torch::zeros({2, 12000});
  padded[0].narrow(0, 0, 8000).copy_(a[0]);
  padded[1] = torch::randn({12000});
  auto alone = model->forward(a, {}, {2}).layers[0][0];
  auto batched = model->forward(padded, torch::tensor({8000, 12000}), {2});
  auto frames = batched.frame_lengths[0].item<int64_t>();
  CHECK(frames == alone.size(0));
  CHECK((batched.layers[0][0].narrow(0, 0, frames) - alone).abs().max().item<double>() <= 1e-4);
  // Scaling the input leaves a normalising model's output unchanged.
  auto scaled = model->forward(a * 7.0, {}, {2}).layers[0][0];
  CHECK((scaled - alone).abs().max().item<double>() <= 1e-3);
}
