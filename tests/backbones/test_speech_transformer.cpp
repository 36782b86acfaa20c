// Parity of the native speech transformers with HuggingFace transformers' WavLMModel,
// Wav2Vec2Model and HubertModel (random weights, no download): every hidden state of a batch that
// mixes lengths, against each utterance run alone by HF, max |diff| <= 1e-4; the same weights in
// torchaudio's and fairseq's (unilm's) layouts give the same result.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <filesystem>

#include "tests/support/temp_dir.h"
#include "vgs/backbones/registry.h"
#include "vgs/backbones/speech_transformer.h"
#include "vgs/backbones/speech_weights.h"
#include "vgs/core/error.h"
#include "vgs/io/torch_checkpoint.h"

using namespace vgs;
using backbones::SpeechTransformer;
using Config = backbones::SpeechTransformerConfig;
using Catch::Contains;

namespace {

struct Reference {
  test::TempDir dir;
  io::Checkpoint io;  // waveforms, lengths, item{i}_layer{l}
};

// Runs a reference script with its output folder and `arguments`; reads its io.pt when it wrote one.
std::unique_ptr<Reference> run_reference(const std::string& script, const std::string& arguments) {
  auto ref = std::make_unique<Reference>();
  auto result = test::run_python(script, ref->dir.path() + " " + arguments);
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  if (std::filesystem::exists(ref->dir.file("io.pt"))) ref->io = io::read_checkpoint(ref->dir.file("io.pt"));
  return ref;
}

// HF's model, with its weights in the namings asked for (ref_speech_transformer.py).
std::unique_ptr<Reference> make_reference(const std::string& which, const std::string& namings) {
  return run_reference("ref_speech_transformer.py", which + " " + namings);
}

// torchaudio's own model and its state dict (ref_torchaudio_speech.py).
std::unique_ptr<Reference> make_torchaudio_reference(const std::string& which) {
  return run_reference("ref_torchaudio_speech.py", which);
}

// Compares every hidden state of every item of a batch's output with the reference's output for
// that item alone; returns the largest difference.
double max_difference(const std::vector<at::Tensor>& layers, const at::Tensor& frame_lengths, const io::Checkpoint& io) {
  double worst = 0;
  for (int64_t i = 0; i < frame_lengths.size(0); ++i) {
    const int64_t frames = frame_lengths[i].item<int64_t>();
    for (size_t l = 0; l < layers.size(); ++l) {
      const auto& expected = io.tensors.at("item" + std::to_string(i) + "_layer" + std::to_string(l));
      REQUIRE(frames == expected.size(0));
      auto got = layers[l][i].narrow(0, 0, frames);
      worst = std::max(worst, (got - expected).abs().max().item<double>());
    }
  }
  return worst;
}

std::vector<int64_t> every_layer(int64_t num_layers) {
  std::vector<int64_t> layers;
  for (int64_t l = 0; l <= num_layers; ++l) layers.push_back(l);
  return layers;
}

// Runs the whole batch at once and compares every hidden state with the reference.
double max_difference(SpeechTransformer& model, const io::Checkpoint& io) {
  torch::InferenceMode guard;
  auto out = model->forward(io.tensors.at("waveforms"), io.tensors.at("lengths"), every_layer(model->config().num_layers));
  return max_difference(out.layers, out.frame_lengths, io);
}

// The same through the registry's Backbone interface.
double max_difference(backbones::Backbone& backbone, const io::Checkpoint& io) {
  auto out = backbone.forward(io.tensors.at("waveforms"), io.tensors.at("lengths"), every_layer(backbone.last_layer()));
  return max_difference(out.layers, out.lengths, io);
}

// The tiny configs of ref_speech_transformer.py: `family` Base's layout (or Large's) at 64 wide.
Config tiny(bool large_layout, Config family = Config::wavlm_base_plus()) {
  Config c = family;
  if (large_layout) {
    c.conv_bias = true;
    c.feat_extract_norm = "layer";
    c.stable_layer_norm = true;
  }
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
  Config c = Config::wavlm_base_plus();
  CHECK(c.min_samples() == 400);
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
    auto ref = make_reference(large_layout ? "wavlm_tiny_large" : "wavlm_tiny", "hf,torchaudio,unilm");
    for (std::string naming : {"hf", "torchaudio", "unilm"}) {
      INFO(naming);
      SpeechTransformer model(tiny(large_layout));
      std::string path = ref->dir.file(naming + ".pt");
      backbones::load_speech_weights(*model, io::read_checkpoint(path), path);
      CHECK(max_difference(model, ref->io) <= 1e-4);
      model->set_batched_on_cpu(true);  // the path other devices take: one masked batch
      CHECK(max_difference(model, ref->io) <= 1e-4);
    }
  }
}

TEST_CASE("WavLM Base+ matches HuggingFace on every hidden state") {
  auto ref = make_reference("wavlm_base_plus", "hf");
  SpeechTransformer model(Config::wavlm_base_plus());
  std::string path = ref->dir.file("hf.pt");
  backbones::load_speech_weights(*model, io::read_checkpoint(path), path, "WavLM Base+");
  double diff = max_difference(model, ref->io);
  UNSCOPED_INFO("WavLM Base+ max |diff| = " << diff);
  CHECK(diff <= 1e-4);
}

TEST_CASE("WavLM Large matches HuggingFace on every hidden state") {
  auto ref = make_reference("wavlm_large", "hf");
  Config config = Config::wavlm_large();
  config.normalize_waveform = false;  // compared with HF's model, which takes normalised input
  SpeechTransformer model(config);
  std::string path = ref->dir.file("hf.pt");
  backbones::load_speech_weights(*model, io::read_checkpoint(path), path, "WavLM Large");
  double diff = max_difference(model, ref->io);
  UNSCOPED_INFO("WavLM Large max |diff| = " << diff);
  CHECK(diff <= 1e-4);
}

TEST_CASE("WavLM weight errors list every problem at once") {
  auto ref = make_reference("wavlm_tiny", "hf,unilm");
  std::string path = ref->dir.file("hf.pt");
  io::Checkpoint checkpoint = io::read_checkpoint(path);
  checkpoint.tensors.erase("encoder.layers.1.final_layer_norm.bias");
  checkpoint.tensors["encoder.layers.0.attention.q_proj.weight"] = torch::zeros({3, 3});
  SpeechTransformer model(tiny(false));
  std::string message = error_of([&] { backbones::load_speech_weights(*model, checkpoint, path, "tiny WavLM"); });
  CHECK_THAT(message, Contains(path + ": weights do not match tiny WavLM") &&
                          Contains("missing [encoder.layers.1.final_layer_norm.bias]") &&
                          Contains("encoder.layers.0.attention.q_proj.weight: file [3, 3] vs model [64, 64]"));
  // A unilm cfg that says pre-LN cannot load into a post-LN model.
  std::string unilm = ref->dir.file("unilm.pt");
  io::Checkpoint unilm_checkpoint = io::read_checkpoint(unilm);
  unilm_checkpoint.metadata["cfg.layer_norm_first"] = "true";
  CHECK_THAT(error_of([&] { backbones::load_speech_weights(*model, unilm_checkpoint, unilm); }),
             Contains("layer_norm_first=true"));
  io::Checkpoint not_wavlm;
  not_wavlm.tensors["conv1.weight"] = torch::zeros({1});
  CHECK_THAT(error_of([&] { backbones::load_speech_weights(*model, not_wavlm, "resnet.pth"); }),
             Contains("resnet.pth: no WavLM tensors found"));
}

TEST_CASE("WavLM Large normalises each utterance over its own samples") {
  Config config = tiny(true);
  config.normalize_waveform = true;
  SpeechTransformer model(config);
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

TEST_CASE("tiny wav2vec 2.0 and HuBERT in every naming match HuggingFace on a mixed-length batch") {
  for (std::string family : {"wav2vec2", "hubert"}) {
    for (bool large_layout : {false, true}) {
      INFO(family << (large_layout ? " Large layout" : " Base layout"));
      auto ref = make_reference(family + (large_layout ? "_tiny_large" : "_tiny"), "hf,torchaudio,unilm");
      for (std::string naming : {"hf", "torchaudio", "unilm"}) {
        INFO(naming);
        SpeechTransformer model(tiny(large_layout, family == "hubert" ? Config::hubert_base() : Config::wav2vec2_base()));
        std::string path = ref->dir.file(naming + ".pt");
        backbones::load_speech_weights(*model, io::read_checkpoint(path), path);
        CHECK(max_difference(model, ref->io) <= 1e-4);
        model->set_batched_on_cpu(true);
        CHECK(max_difference(model, ref->io) <= 1e-4);
      }
    }
  }
}

TEST_CASE("wav2vec 2.0 Base matches HuggingFace Wav2Vec2Model on every hidden state") {
  auto ref = make_reference("wav2vec2_base", "hf");
  SpeechTransformer model(Config::wav2vec2_base());
  std::string path = ref->dir.file("hf.pt");
  backbones::load_speech_weights(*model, io::read_checkpoint(path), path);
  double diff = max_difference(model, ref->io);
  UNSCOPED_INFO("wav2vec 2.0 Base max |diff| = " << diff);
  CHECK(diff <= 1e-4);
}

TEST_CASE("HuBERT Base matches HuggingFace HubertModel on every hidden state") {
  auto ref = make_reference("hubert_base", "hf");
  SpeechTransformer model(Config::hubert_base());
  std::string path = ref->dir.file("hf.pt");
  backbones::load_speech_weights(*model, io::read_checkpoint(path), path);
  double diff = max_difference(model, ref->io);
  UNSCOPED_INFO("HuBERT Base max |diff| = " << diff);
  CHECK(diff <= 1e-4);
}

TEST_CASE("wav2vec 2.0 and HuBERT weights: pretraining heads are dropped, a wrong file names the tensor") {
  auto ref = make_reference("hubert_tiny", "hf,unilm");
  const std::string path = ref->dir.file("hf.pt");
  const io::Checkpoint hf = io::read_checkpoint(path);
  SpeechTransformer model(tiny(false, Config::hubert_base()));
  // HF's *ForPreTraining / *ForCTC layout: every tensor under "hubert.", heads beside.
  io::Checkpoint prefixed;
  for (const auto& [name, t] : hf.tensors) prefixed.tensors["hubert." + name] = t;
  prefixed.tensors["project_q.weight"] = torch::zeros({4, 4});
  prefixed.tensors["lm_head.weight"] = torch::zeros({4, 4});
  backbones::load_speech_weights(*model, prefixed, "prefixed.bin");
  CHECK(max_difference(model, ref->io) <= 1e-4);

  io::Checkpoint missing = hf;
  missing.tensors.erase("encoder.layers.1.feed_forward.output_dense.weight");
  CHECK_THAT(error_of([&] { backbones::load_speech_weights(*model, missing, path); }),
             Contains(path + ": weights do not match HuBERT") && Contains("missing [encoder.layers.1.feed_forward.output_dense.weight]"));
  io::Checkpoint misshaped = hf;
  misshaped.tensors["encoder.pos_conv_embed.conv.bias"] = torch::zeros({65});
  std::string message = error_of([&] { backbones::load_speech_weights(*model, misshaped, path); });
  CHECK(message.find('\n') == std::string::npos);
  CHECK_THAT(message, Contains("encoder.pos_conv_embed.conv.bias: file [65] vs model [64]"));
  // WavLM's gated relative bias has no place in HuBERT, and fairseq's cfg must agree with the model.
  io::Checkpoint wavlm_like = hf;
  wavlm_like.tensors["encoder.layers.0.attention.gru_rel_pos_const"] = torch::ones({1, 4, 1, 1});
  CHECK_THAT(error_of([&] { backbones::load_speech_weights(*model, wavlm_like, path); }),
             Contains("unexpected [encoder.layers.0.attention.gru_rel_pos_const]"));
  const std::string fairseq_path = ref->dir.file("unilm.pt");
  io::Checkpoint fairseq = io::read_checkpoint(fairseq_path);
  fairseq.metadata["cfg.model.encoder_layers"] = "12";
  CHECK_THAT(error_of([&] { backbones::load_speech_weights(*model, fairseq, fairseq_path); }),
             Contains("the checkpoint has 12 layers but HuBERT has 2"));
}

TEST_CASE("the registry builds wav2vec 2.0 and HuBERT, tiny ones without weights") {
  for (std::string name : {"wav2vec2_tiny", "hubert_tiny"}) {
    auto backbone = backbones::make_backbone({name});
    CHECK(backbone->last_layer() == 2);
    CHECK(backbone->feature_dim(2) == 64);
    CHECK(backbone->min_samples() == 400);
    auto out = backbone->forward(torch::randn({2, 8000}), torch::tensor({8000, 4000}), {0, 2});
    CHECK(out.layers.size() == 2);
    CHECK(out.lengths[1].item<int64_t>() == Config::wav2vec2_base().frames(4000));
  }
  CHECK_THAT(error_of([] { backbones::make_backbone({"hubert_base"}); }), Contains("needs a weights file"));
}

TEST_CASE("torchaudio's wav2vec2_base, hubert_base and wavlm_base state dicts load under their registry names and match") {
  // The factory functions the released .pth files come from, random weights, full size; every
  // hidden state of a mixed-length batch against torchaudio's run of each utterance alone.
  for (std::string name : {"wav2vec2_base", "hubert_base", "wavlm_base"}) {
    INFO(name);
    auto ref = make_torchaudio_reference(name);
    auto backbone = backbones::make_backbone({name, ref->dir.file("torchaudio.pt")});
    double diff = max_difference(*backbone, ref->io);
    UNSCOPED_INFO(name << " (torchaudio) max |diff| = " << diff);
    CHECK(diff <= 1e-4);
  }
}

TEST_CASE("torchaudio's Large layout matches: pre-LN, the final LayerNorm on the last state, LayerNorm convs") {
  // wav2vec2_model / wavlm_model with the Large options at a small size: the real names, and
  // extract_features' raw last layer plus the final LayerNorm as hidden state L.
  for (std::string family : {"wav2vec2", "wavlm"}) {
    INFO(family);
    auto ref = make_torchaudio_reference(family + "_tiny_large");
    Config config = tiny(true, family == "wavlm" ? Config::wavlm_large() : Config::wav2vec2_base());
    config.conv_bias = false;  // as torchaudio's wavlm_large, hubert_large and the released files
    SpeechTransformer model(config);
    std::string path = ref->dir.file("torchaudio.pt");
    backbones::SpeechNaming naming;
    io::Checkpoint checkpoint = io::read_checkpoint(path);
    backbones::speech_canonical_state(checkpoint, path, config.family, &naming);
    CHECK(naming == backbones::SpeechNaming::torchaudio);
    backbones::load_speech_weights(*model, checkpoint, path);
    double diff = max_difference(model, ref->io);
    UNSCOPED_INFO(family << " Large layout (torchaudio) max |diff| = " << diff);
    CHECK(diff <= 1e-4);
  }
}

TEST_CASE("torchaudio's wavlm_large state dict loads into wavlm_large") {
  // Names and shapes only (every tensor one expanded element): the released wavlm_large.pth has
  // no conv biases, so neither may the registry's WavLM Large.
  auto ref = make_torchaudio_reference("wavlm_large_names");
  auto backbone = backbones::make_backbone({"wavlm_large", ref->dir.file("torchaudio.pt")});
  CHECK(backbone->last_layer() == 24);
  CHECK(backbone->feature_dim(24) == 1024);
}

TEST_CASE("fairseq checkpoints with an argparse.Namespace under args load and match HuggingFace") {
  // wav2vec_small.pt's layout: {'args': Namespace, 'cfg': None, 'model', optimizer state, ...}.
  for (std::string family : {"wav2vec2", "hubert"}) {
    INFO(family);
    auto ref = make_reference(family + "_tiny", "fairseq_args");
    SpeechTransformer model(tiny(false, family == "hubert" ? Config::hubert_base() : Config::wav2vec2_base()));
    const std::string path = ref->dir.file("fairseq_args.pt");
    io::Checkpoint checkpoint = io::read_checkpoint(path);
    CHECK(checkpoint.metadata.at("args.arch") == family);
    CHECK(checkpoint.metadata.at("args.encoder_layers") == "2");
    backbones::load_speech_weights(*model, checkpoint, path);
    double diff = max_difference(model, ref->io);
    UNSCOPED_INFO(family << " fairseq args layout max |diff| = " << diff);
    CHECK(diff <= 1e-4);
    // The Namespace's settings are checked as a cfg's are.
    checkpoint.metadata["args.encoder_layers"] = "12";
    CHECK_THAT(error_of([&] { backbones::load_speech_weights(*model, checkpoint, path); }),
               Contains(path + ": the checkpoint has 12 layers but"));
  }
}
