// The speech transformer shared by WavLM, wav2vec 2.0 and HuBERT (Base, Base+, Large), in native
// LibTorch: the frozen speech backbones of the me-vgs models. Same forward pass as HuggingFace's
// WavLMModel / Wav2Vec2Model / HubertModel in eval mode: conv feature extractor, feature projection,
// weight-normed positional convolution, post-LN (Base) or pre-LN (Large) encoder. The three differ
// only in attention: WavLM adds a gated relative position bias, wav2vec 2.0 and HuBERT use plain
// self-attention. Parameter names are HuggingFace's; the fairseq/unilm and torchaudio spellings are
// mapped in speech_weights.cpp.
//
// Stages are marked for profilers (RECORD_USER_SCOPE: speech.conv_front, speech.projection,
// speech.pos_conv, speech.attention, speech.feed_forward; bench/bench_backbones.cpp times them).
//
// Batches may mix lengths: every item's valid frames equal what the item gives alone. That needs a
// masked group norm in the first conv layer of the Base models, whose statistics span time (HF's
// batched Base output differs from its unbatched output for this reason).
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include <string>
#include <vector>

namespace vgs::backbones {

struct SpeechTransformerConfig {
  std::string family = "WavLM";      // named in error messages: "WavLM", "wav2vec 2.0", "HuBERT"
  bool gated_relative_bias = true;   // WavLM's gated relative position bias; plain attention otherwise
  std::vector<int64_t> conv_dim{512, 512, 512, 512, 512, 512, 512};
  std::vector<int64_t> conv_kernel{10, 3, 3, 3, 3, 2, 2};
  std::vector<int64_t> conv_stride{5, 2, 2, 2, 2, 2, 2};
  bool conv_bias = false;
  std::string feat_extract_norm = "group";  // "group": GroupNorm on conv 0 (Base); "layer": LayerNorm on every conv (Large)
  bool projection_layer_norm = true;        // LayerNorm before the feature projection (HF's feat_proj_layer_norm)
  int64_t hidden_size = 768;
  int64_t num_layers = 12;
  int64_t num_heads = 12;
  int64_t intermediate_size = 3072;
  int64_t pos_conv_kernel = 128;
  int64_t pos_conv_groups = 16;
  int64_t num_buckets = 320;   // relative position bias (WavLM only)
  int64_t max_distance = 800;
  bool stable_layer_norm = false;    // pre-LN encoder (Large)
  bool normalize_waveform = false;   // zero mean, unit variance per utterance (Large)
  double layer_norm_eps = 1e-5;

  static SpeechTransformerConfig wavlm_base();
  static SpeechTransformerConfig wavlm_base_plus();  // same architecture as Base; trained on more data
  static SpeechTransformerConfig wavlm_large();
  static SpeechTransformerConfig wav2vec2_base();    // facebook/wav2vec2-base, fairseq wav2vec_small
  static SpeechTransformerConfig hubert_base();      // facebook/hubert-base-ls960, fairseq hubert_base_ls960
  // Throws vgs::Error for inconsistent values (heads not dividing the width, ...).
  void validate() const;
  // Frames produced from `samples` samples (0 when too short for one frame).
  int64_t frames(int64_t samples) const;
  // The fewest samples that give one frame: the conv stack's receptive field (400 for all three).
  int64_t min_samples() const;
};

// Positional convolution with weight normalisation (w = g * v / ||v||, norm over all dims but 2).
class SpeechPositionalConvImpl : public torch::nn::Module {
 public:
  explicit SpeechPositionalConvImpl(const SpeechTransformerConfig& config);
  at::Tensor forward(const at::Tensor& hidden);  // [B, T, D] -> [B, T, D]

 private:
  at::Tensor weight_g_, weight_v_, bias_;
  int64_t kernel_, groups_;
};
TORCH_MODULE(SpeechPositionalConv);

// The frames of a padded batch [B, T]: the transformer's frame-wise work (projections, feed-forward,
// layer norms) runs on the R valid rows only, packed [R, D]; attention unpacks them.
struct FrameRows {
  int64_t batch = 0, frames = 0;
  at::Tensor index;        // [R] rows of the flattened [B * T] batch that hold frames; undefined: all
  at::Tensor key_padding;  // [B, T] true where padded; undefined: no padding
  at::Tensor pack(const at::Tensor& x) const;    // [B, T, D] -> [R, D]
  at::Tensor unpack(const at::Tensor& x) const;  // [R, D] -> [B, T, D], zeros at padding
};

// Multi-head self-attention; with the config's gated_relative_bias, WavLM's gated relative
// position bias (wav2vec 2.0 and HuBERT: none).
class SpeechAttentionImpl : public torch::nn::Module {
 public:
  // `owns_position_embedding`: WavLM's layer 0 holds the relative position embedding all layers use.
  SpeechAttentionImpl(const SpeechTransformerConfig& config, bool owns_position_embedding);
  // The ungated bias [H, T, T] from relative positions (layer 0 of WavLM only).
  at::Tensor position_bias(int64_t frames) const;
  // hidden [R, D] packed rows of `rows`; bias [H, T, T] (undefined without relative bias).
  at::Tensor forward(const at::Tensor& hidden, const at::Tensor& bias, const FrameRows& rows);

 private:
  at::Tensor gated_bias(const at::Tensor& hidden, const at::Tensor& bias);  // [B, H, T, T]

  int64_t heads_, head_dim_, num_buckets_, max_distance_;
  torch::nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, out_proj{nullptr};
  torch::nn::Linear gru_rel_pos_linear{nullptr};  // WavLM only
  at::Tensor gru_rel_pos_const_;                  // [1, H, 1, 1], WavLM only
  torch::nn::Embedding rel_attn_embed{nullptr};   // [num_buckets, H], WavLM's layer 0 only
};
TORCH_MODULE(SpeechAttention);

class SpeechEncoderLayerImpl : public torch::nn::Module {
 public:
  SpeechEncoderLayerImpl(const SpeechTransformerConfig& config, bool owns_position_embedding);
  at::Tensor forward(const at::Tensor& hidden, const at::Tensor& bias, const FrameRows& rows);  // [R, D]
  SpeechAttention attention{nullptr};

 private:
  at::Tensor feed_forward(const at::Tensor& x);

  bool pre_ln_;
  torch::nn::LayerNorm layer_norm{nullptr}, final_layer_norm{nullptr};
  torch::nn::Linear intermediate_dense{nullptr}, output_dense{nullptr};
};
TORCH_MODULE(SpeechEncoderLayer);

class SpeechTransformerImpl : public torch::nn::Module {
 public:
  explicit SpeechTransformerImpl(SpeechTransformerConfig config);

  struct Output {
    std::vector<at::Tensor> layers;  // the requested hidden states, each [B, T, D], in request order
    at::Tensor frame_lengths;        // [B] valid frames per item (int64)
  };
  // waveforms [B, N] float at 16 kHz; lengths [B] valid samples (undefined: all N). `layers` are
  // hidden-state indices: 0 is the input to the first transformer layer, i the output of layer i,
  // num_layers the last (for pre-LN models after the final LayerNorm). Layers above the highest
  // requested one are not run.
  //
  // On CPU the conv feature extractor runs item by item, each over its own samples only and as
  // matrix products (docs/performance.md); elsewhere the batch runs at once through conv1d with a
  // masked group norm. The transformer runs the whole batch with a padding mask on every device.
  Output forward(const at::Tensor& waveforms, const at::Tensor& lengths, const std::vector<int64_t>& layers);

  const SpeechTransformerConfig& config() const { return config_; }
  // Tests and the bench: run the CPU conv front end the way other devices do (one masked batch).
  void set_batched_on_cpu(bool batched) { batched_on_cpu_ = batched; }

 private:
  // Positional conv, encoder norm and layers 1..last over projected features [B, T, D]; every
  // hidden state 0..last, packed [R, D].
  std::vector<at::Tensor> run_encoder(at::Tensor hidden, const FrameRows& rows, int64_t last);
  // The CPU conv front end: [B, T, C], frames past an item's own zero.
  at::Tensor conv_features_item_by_item(const at::Tensor& waveforms, const at::Tensor& lengths);
  void check_request(const at::Tensor& waveforms, const std::vector<int64_t>& layers) const;
  at::Tensor normalize(const at::Tensor& waveforms, const at::Tensor& lengths) const;
  at::Tensor extract_conv_features(const at::Tensor& waveforms, const at::Tensor& lengths);  // [B, C, T]
  at::Tensor project_features(const at::Tensor& features);                                  // [B, T, C] -> [B, T, D]

  SpeechTransformerConfig config_;
  bool batched_on_cpu_ = false;
  torch::nn::ModuleList conv_layers_;  // registered as feature_extractor.conv_layers
  torch::nn::LayerNorm projection_norm{nullptr};
  torch::nn::Linear projection{nullptr};
  SpeechPositionalConv pos_conv{nullptr};
  torch::nn::LayerNorm encoder_norm{nullptr};
  torch::nn::ModuleList encoder_layers_;
};
TORCH_MODULE(SpeechTransformer);

// Relative-position buckets of WavLM (HF's _relative_positions_bucket), [T, T] int64.
at::Tensor wavlm_position_buckets(int64_t frames, int64_t num_buckets, int64_t max_distance);

}  // namespace vgs::backbones
