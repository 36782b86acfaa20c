// The backbone registry: named configurations of the speech transformers (WavLM, wav2vec 2.0,
// HuBERT), ResNet, GroupViT, fbank and patches behind the Backbone interface, with their weights loaded.
#include "vgs/backbones/registry.h"

#include <torch/torch.h>

#include <filesystem>
#include <functional>

#include "vgs/backbones/fbank.h"
#include "vgs/backbones/groupvit_backbone.h"
#include "vgs/backbones/patches.h"
#include "vgs/backbones/resnet.h"
#include "vgs/backbones/speech_transformer.h"
#include "vgs/backbones/speech_weights.h"
#include "vgs/core/digest.h"
#include "vgs/core/error.h"
#include "vgs/core/log.h"
#include "vgs/core/strings.h"
#include "vgs/io/torch_checkpoint.h"

namespace vgs::backbones {

void Backbone::check_layers(const std::vector<int64_t>& layers) const {
  if (layers.empty()) throw Error(name_ + ": no layers requested");
  for (int64_t layer : layers)
    if (layer < first_layer() || layer > last_layer())
      throw Error(name_ + ": layer " + std::to_string(layer) + " does not exist (layers " +
                  std::to_string(first_layer()) + ".." + std::to_string(last_layer()) + ")");
}

std::vector<int64_t> Backbone::all_layers() const {
  std::vector<int64_t> layers;
  for (int64_t l = first_layer(); l <= last_layer(); ++l) layers.push_back(l);
  return layers;
}

namespace {

io::Checkpoint read_weights(const std::string& name, const std::string& path) {
  if (path.empty()) throw Error(name + ": needs a weights file (docs/data.md says where to get it)");
  if (!std::filesystem::exists(path)) throw Error(path + ": weights file not found (for backbone " + name + ")");
  return io::read_checkpoint(path);
}

class SpeechBackbone : public Backbone {
 public:
  SpeechBackbone(const std::string& name, SpeechTransformerConfig config, const std::string& weights) : model_(config) {
    name_ = name;
    if (!weights.empty()) {
      load_speech_weights(*model_, read_weights(name, weights), weights, name);
      weights_digest_ = core::file_digest(weights);
    }
    for (auto& p : model_->parameters()) p.set_requires_grad(false);
  }
  Modality modality() const override { return Modality::audio; }
  int64_t last_layer() const override { return model_->config().num_layers; }
  int64_t feature_dim(int64_t) const override { return model_->config().hidden_size; }
  int sample_rate() const override { return 16000; }
  // The convolutional feature encoder's receptive field: 400 samples (25 ms) for all three families.
  int64_t min_samples() const override { return model_->config().min_samples(); }
  BackboneFeatures forward(const at::Tensor& input, const at::Tensor& lengths,
                           const std::vector<int64_t>& layers) override {
    check_layers(layers);
    torch::InferenceMode guard;
    auto out = model_->forward(input, lengths, layers);
    return {std::move(out.layers), out.frame_lengths};
  }
  void to(const c10::Device& device) override { model_->to(device); }

 private:
  SpeechTransformer model_;
};

class ResNetBackbone : public Backbone {
 public:
  ResNetBackbone(const std::string& name, ResNetConfig config, const std::string& weights, int image_size)
      : model_(config), image_size_(image_size) {
    name_ = name;
    if (!weights.empty()) {
      load_resnet_weights(*model_, read_weights(name, weights).tensors, weights);
      weights_digest_ = core::file_digest(weights);
    }
  }
  Modality modality() const override { return Modality::image; }
  int64_t first_layer() const override { return 1; }  // the four stages layer1..layer4
  int64_t last_layer() const override { return 4; }
  int64_t feature_dim(int64_t layer) const override { return model_->stage_channels(static_cast<int>(layer)); }
  int image_size() const override { return image_size_; }
  BackboneFeatures forward(const at::Tensor& input, const at::Tensor&, const std::vector<int64_t>& layers) override {
    check_layers(layers);
    torch::InferenceMode guard;
    int64_t last = *std::max_element(layers.begin(), layers.end());
    std::vector<at::Tensor> maps = model_->stage_maps(input, static_cast<int>(last));
    BackboneFeatures out;
    for (int64_t layer : layers) out.layers.push_back(map_to_tokens(maps[static_cast<size_t>(layer - 1)]));
    out.lengths = at::full({input.size(0)}, out.layers[0].size(1), at::TensorOptions(at::kLong));
    return out;
  }
  void to(const c10::Device& device) override { model_->to(device); }

 private:
  ResNet model_;
  int image_size_;
};

class FbankBackbone : public Backbone {
 public:
  FbankBackbone() { name_ = "fbank"; }
  Modality modality() const override { return Modality::audio; }
  int64_t last_layer() const override { return 0; }
  int64_t feature_dim(int64_t) const override { return fbank_.options().num_mel_bins; }
  int sample_rate() const override { return static_cast<int>(fbank_.options().sample_rate); }
  int64_t min_samples() const override { return fbank_.window_size(); }
  BackboneFeatures forward(const at::Tensor& input, const at::Tensor& lengths, const std::vector<int64_t>& layers) override {
    check_layers(layers);
    torch::InferenceMode guard;
    at::Tensor valid = lengths.defined() ? lengths : at::full({input.size(0)}, input.size(1), at::kLong);
    FbankBatch batch = fbank_(input.to(at::kCPU), valid.to(at::kCPU));
    return {{batch.features.to(input.device())}, batch.frames};
  }
  void to(const c10::Device&) override {}

 private:
  Fbank fbank_;
};

class PatchesBackbone : public Backbone {
 public:
  explicit PatchesBackbone(int image_size) : image_size_(image_size) { name_ = "patches"; }
  Modality modality() const override { return Modality::image; }
  int64_t last_layer() const override { return 0; }
  int64_t feature_dim(int64_t) const override { return 3 * kPatch * kPatch; }
  int image_size() const override { return image_size_; }
  BackboneFeatures forward(const at::Tensor& input, const at::Tensor&, const std::vector<int64_t>& layers) override {
    check_layers(layers);
    torch::InferenceMode guard;
    at::Tensor tokens = image_patches(input, kPatch);
    return {{tokens}, at::full({input.size(0)}, tokens.size(1), at::TensorOptions(at::kLong))};
  }
  void to(const c10::Device&) override {}

 private:
  static constexpr int64_t kPatch = 16;
  int image_size_;
};

// The tiny random-weight configs for tests and the toy world: a family's layout at 64 wide, 2 layers.
SpeechTransformerConfig tiny_speech(SpeechTransformerConfig c) {
  c.conv_dim = std::vector<int64_t>(7, 64);
  c.hidden_size = 64;
  c.num_layers = 2;
  c.num_heads = 4;
  c.intermediate_size = 128;
  c.pos_conv_kernel = 16;
  c.pos_conv_groups = 4;
  return c;
}

struct Entry {
  BackboneInfo info;
  std::function<std::unique_ptr<Backbone>(const BackboneRequest&)> build;
};

const std::vector<Entry>& entries() {
  auto speech = [](SpeechTransformerConfig config) {
    return [config](const BackboneRequest& r) -> std::unique_ptr<Backbone> {
      return std::make_unique<SpeechBackbone>(r.name, config, r.weights);
    };
  };
  auto resnet = [](ResNetConfig config) {
    return [config](const BackboneRequest& r) -> std::unique_ptr<Backbone> {
      return std::make_unique<ResNetBackbone>(r.name, config, r.weights, r.image_size ? r.image_size : 256);
    };
  };
  auto groupvit = [](GroupViTConfig config) {
    return [config](const BackboneRequest& r) -> std::unique_ptr<Backbone> {
      return make_groupvit_backbone(r.name, config, r.weights, r.image_size ? r.image_size : 224);
    };
  };
  static const std::vector<Entry> list = {
      {{"wavlm_base", Modality::audio, true, "WavLM Base (HF, torchaudio or unilm weights)"},
       speech(SpeechTransformerConfig::wavlm_base())},
      {{"wavlm_base_plus", Modality::audio, true, "WavLM Base+ (HF microsoft/wavlm-base-plus, torchaudio wavlm_base_plus.pth, unilm WavLM-Base+.pt)"},
       speech(SpeechTransformerConfig::wavlm_base_plus())},
      {{"wavlm_large", Modality::audio, true, "WavLM Large (pre-LN; normalises the waveform)"},
       speech(SpeechTransformerConfig::wavlm_large())},
      {{"wavlm_tiny", Modality::audio, false, "a 2-layer, 64-wide WavLM with random weights, for tests and the toy world"},
       speech(tiny_speech(SpeechTransformerConfig::wavlm_base()))},
      {{"wav2vec2_base", Modality::audio, true, "wav2vec 2.0 Base (HF facebook/wav2vec2-base, torchaudio, fairseq wav2vec_small.pt)"},
       speech(SpeechTransformerConfig::wav2vec2_base())},
      {{"wav2vec2_tiny", Modality::audio, false, "a 2-layer, 64-wide wav2vec 2.0 with random weights, for tests and the toy world"},
       speech(tiny_speech(SpeechTransformerConfig::wav2vec2_base()))},
      {{"hubert_base", Modality::audio, true, "HuBERT Base (HF facebook/hubert-base-ls960, torchaudio, fairseq hubert_base_ls960.pt)"},
       speech(SpeechTransformerConfig::hubert_base())},
      {{"hubert_tiny", Modality::audio, false, "a 2-layer, 64-wide HuBERT with random weights, for tests and the toy world"},
       speech(tiny_speech(SpeechTransformerConfig::hubert_base()))},
      {{"dino_resnet50", Modality::image, true, "DINO ResNet-50 (dino_resnet50_pretrain.pth), layer4 tokens"}, resnet(ResNetConfig{})},
      {{"resnet50", Modality::image, true, "ResNet-50 with any torchvision-layout weights"}, resnet(ResNetConfig{})},
      {{"resnet_tiny", Modality::image, false, "a [1,1,1,1]-block, width-8 ResNet with random weights, for tests and the toy world"},
       resnet(ResNetConfig{{1, 1, 1, 1}, 8})},
      {{"groupvit", Modality::image, true,
        "GroupViT image encoder (NVlabs group_vit_gcc_*.pth or HF nvidia/groupvit-*), projected group tokens"},
       groupvit(GroupViTConfig{})},
      {{"groupvit_tiny", Modality::image, false, "a 32-wide [1,1,1]-block GroupViT (8 then 4 groups) with random weights"},
       groupvit(GroupViTConfig::tiny())},
      {{"fbank", Modality::audio, false, "80-bin Kaldi log-mel filterbank (weight free)"},
       [](const BackboneRequest&) -> std::unique_ptr<Backbone> { return std::make_unique<FbankBackbone>(); }},
      {{"patches", Modality::image, false, "16x16 RGB pixel patches (weight free)"},
       [](const BackboneRequest& r) -> std::unique_ptr<Backbone> {
         return std::make_unique<PatchesBackbone>(r.image_size ? r.image_size : 224);
       }},
  };
  return list;
}

}  // namespace

const std::vector<BackboneInfo>& backbone_catalogue() {
  static const std::vector<BackboneInfo> infos = [] {
    std::vector<BackboneInfo> out;
    for (const auto& e : entries()) out.push_back(e.info);
    return out;
  }();
  return infos;
}

std::unique_ptr<Backbone> make_backbone(const BackboneRequest& request) {
  std::vector<std::string> names;
  for (const auto& e : entries()) {
    names.push_back(e.info.name);
    if (e.info.name != request.name) continue;
    if (e.info.needs_weights && request.weights.empty())
      throw Error("backbone " + request.name + " needs a weights file (" + e.info.description + ")");
    if (!e.info.needs_weights && !request.weights.empty() && (request.name == "fbank" || request.name == "patches"))
      throw Error("backbone " + request.name + " is weight free; remove its weights file");
    torch::manual_seed(request.seed);  // tiny configs: the same random backbone every time
    return e.build(request);
  }
  std::string hint = core::closest_match(request.name, names);
  throw Error("unknown backbone '" + request.name + "'" + (hint.empty() ? "" : " (did you mean '" + hint + "'?)") +
              "; known: " + core::join(names, ", "));
}

}  // namespace vgs::backbones
