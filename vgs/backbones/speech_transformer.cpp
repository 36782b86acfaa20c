// The speech transformer of WavLM, wav2vec 2.0 and HuBERT: configs, modules and the forward pass
// (eval mode).
#include "vgs/backbones/speech_transformer.h"

#include <ATen/record_function.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "vgs/core/error.h"

namespace vgs::backbones {

namespace F = torch::nn::functional;

using Config = SpeechTransformerConfig;

Config Config::wavlm_base() { return Config{}; }
Config Config::wavlm_base_plus() { return Config{}; }

// The released WavLM Large (HF microsoft/wavlm-large, torchaudio wavlm_large.pth, unilm
// WavLM-Large.pt) has LayerNorm convs without bias.
Config Config::wavlm_large() {
  Config c;
  c.conv_bias = false;
  c.feat_extract_norm = "layer";
  c.hidden_size = 1024;
  c.num_layers = 24;
  c.num_heads = 16;
  c.intermediate_size = 4096;
  c.stable_layer_norm = true;
  c.normalize_waveform = true;
  return c;
}

// wav2vec 2.0 and HuBERT Base: WavLM Base's layout without the relative position bias.
Config Config::wav2vec2_base() {
  Config c;
  c.family = "wav2vec 2.0";
  c.gated_relative_bias = false;
  return c;
}

Config Config::hubert_base() {
  Config c = wav2vec2_base();
  c.family = "HuBERT";
  return c;
}

void Config::validate() const {
  auto fail = [&](const std::string& what) { throw Error(family + " config: " + what); };
  if (conv_dim.empty() || conv_dim.size() != conv_kernel.size() || conv_dim.size() != conv_stride.size())
    fail("conv_dim, conv_kernel and conv_stride must have the same, non-zero length");
  if (feat_extract_norm != "group" && feat_extract_norm != "layer")
    fail("feat_extract_norm must be group or layer, got '" + feat_extract_norm + "'");
  if (hidden_size <= 0 || num_heads <= 0 || hidden_size % num_heads != 0)
    fail("hidden_size " + std::to_string(hidden_size) + " is not a multiple of num_heads " + std::to_string(num_heads));
  if (hidden_size % pos_conv_groups != 0) fail("hidden_size must be a multiple of pos_conv_groups");
  if (num_layers < 1) fail("num_layers must be at least 1");
  if (gated_relative_bias && (num_buckets < 4 || max_distance <= num_buckets / 4)) fail("num_buckets or max_distance out of range");
}

int64_t Config::frames(int64_t samples) const {
  int64_t length = samples;
  for (size_t i = 0; i < conv_kernel.size(); ++i) {
    if (length < conv_kernel[i]) return 0;
    length = (length - conv_kernel[i]) / conv_stride[i] + 1;
  }
  return length;
}

int64_t Config::min_samples() const {
  int64_t samples = 1;
  for (size_t i = conv_kernel.size(); i-- > 0;) samples = (samples - 1) * conv_stride[i] + conv_kernel[i];
  return samples;
}

namespace {

// A conv1d without padding over time-major frames h [L, Cin] (one utterance), as matrix products:
// the taps are taken `stride` at a time, and for each such group of taps the input rows seen by the
// output frames are a strided view of h (row t starts at frame t * stride), which BLAS reads in
// place. One product for kernel <= stride, ceil(kernel / stride) accumulated ones otherwise; no
// im2col copy except for a single input channel (the waveform), where a copy of kernel values per
// frame is cheaper than products of depth `stride`. Returns [Lout, Cout]; same sums as conv1d up to
// float rounding order. On CPU this beats oneDNN's conv1d by ~20% for WavLM's layers.
at::Tensor conv1d_as_matmul(const at::Tensor& frames_in, const at::Tensor& weight, const at::Tensor& bias, int64_t stride) {
  const at::Tensor h = frames_in.contiguous();  // the strided views below index its storage
  const int64_t L = h.size(0), in = h.size(1), out = weight.size(0), kernel = weight.size(2);
  const int64_t frames = (L - kernel) / stride + 1;
  at::Tensor taps = weight.permute({2, 1, 0}).reshape({kernel * in, out});  // row (tap, channel)
  if (in == 1 || kernel <= stride) {
    const int64_t depth = kernel * in;
    at::Tensor rows = h.as_strided({frames, depth}, {stride * in, 1});
    if (depth > stride * in) rows = rows.contiguous();  // overlapping windows: BLAS needs row stride >= depth
    return bias.defined() ? at::addmm(bias, rows, taps) : at::mm(rows, taps);
  }
  at::Tensor result;
  for (int64_t first = 0; first < kernel; first += stride) {
    const int64_t count = std::min(stride, kernel - first);
    at::Tensor rows = h.as_strided({frames, count * in}, {stride * in, 1}, h.storage_offset() + first * in);
    at::Tensor part = taps.narrow(0, first * in, count * in);
    if (!result.defined()) result = bias.defined() ? at::addmm(bias, rows, part) : at::mm(rows, part);
    else result.addmm_(rows, part);
  }
  return result;
}

// Conv 0 of the Base models (one input channel, then a GroupNorm with one group per channel) as
// one product with the norm folded into its weight. y = rows * taps (+ bias) is linear in the
// unfolded waveform rows [Lout, kernel], so y's per-channel mean and variance over time follow
// from the rows' mean m and covariance S (kernel x kernel, summed in double): mean = m taps (+ bias),
// var = diag(taps' S taps). The normalised output is then rows * (taps * scale) + shift, with no
// pass over y for statistics (at::var_mean over time alone took longer than the product) and none
// for the scale-and-shift. The conv bias cancels in the norm. Returns [Lout, Cout].
at::Tensor single_channel_conv_group_norm(const at::Tensor& wave, const at::Tensor& weight, int64_t stride,
                                          const torch::nn::GroupNorm& norm) {
  const at::Tensor h = wave.contiguous();  // [L, 1]
  const int64_t kernel = weight.size(2), frames = (h.size(0) - kernel) / stride + 1;
  const at::Tensor rows = h.as_strided({frames, kernel}, {stride, 1}).contiguous();
  const at::Tensor taps = weight.reshape({weight.size(0), kernel}).t();  // [kernel, Cout]
  const at::Tensor rows64 = rows.to(at::kDouble), taps64 = taps.to(at::kDouble);
  const at::Tensor mean_row = rows64.mean(0);                                                   // [kernel]
  const at::Tensor covariance = rows64.t().mm(rows64).div_(frames).sub_(at::outer(mean_row, mean_row));
  const at::Tensor variance = (covariance.mm(taps64) * taps64).sum(0).clamp_min_(0);           // [Cout]
  const at::Tensor scale = norm->weight.to(at::kDouble) * at::rsqrt(variance + norm->options.eps());
  const at::Tensor shift = norm->bias.to(at::kDouble) - mean_row.matmul(taps64) * scale;
  return at::addmm(shift.to(rows.scalar_type()), rows, taps * scale.to(rows.scalar_type()).unsqueeze(0));
}

// One conv layer of the feature extractor: conv, optional norm, GELU.
class ConvLayerImpl : public torch::nn::Module {
 public:
  ConvLayerImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride, bool bias, const std::string& norm)
      : norm_(norm) {
    conv = register_module("conv", torch::nn::Conv1d(torch::nn::Conv1dOptions(in, out, kernel).stride(stride).bias(bias)));
    if (norm == "group") group_norm = register_module("layer_norm", torch::nn::GroupNorm(torch::nn::GroupNormOptions(out, out)));
    if (norm == "layer") layer_norm = register_module("layer_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({out})));
  }

  // One utterance, time-major (h [L, Cin] -> [Lout, Cout]), the CPU path: products instead of
  // conv1d, the norm and GELU in place on the product's output.
  at::Tensor forward_frames(const at::Tensor& h) {
    const int64_t stride = (*conv->options.stride())[0];
    if (norm_ == "group" && h.size(1) == 1) {
      at::Tensor y = single_channel_conv_group_norm(h, conv->weight, stride, group_norm);
      return at::gelu_(y);
    }
    at::Tensor y = conv1d_as_matmul(h, conv->weight, conv->bias, stride);
    if (norm_ == "group") {
      // One group per channel: statistics over time, then y = y * (w / std) + (b - mean * w / std).
      auto [var, mean] = at::var_mean(y, {0}, /*correction=*/0, /*keepdim=*/false);  // [C]
      at::Tensor scale = group_norm->weight * at::rsqrt(var + group_norm->options.eps());
      y.mul_(scale).add_(group_norm->bias - mean * scale);
    }
    if (norm_ == "layer") y = layer_norm(y);
    return at::gelu_(y);
  }

  // x [B, C, L]; valid [B] lengths of x along L (undefined when no item is padded).
  at::Tensor forward(const at::Tensor& x, const at::Tensor& valid_out) {
    at::Tensor h = conv(x);
    if (norm_ == "group") h = valid_out.defined() ? masked_channel_norm(h, valid_out) : group_norm(h);
    if (norm_ == "layer") h = layer_norm(h.transpose(1, 2)).transpose(1, 2);
    return at::gelu(h);
  }

 private:
  // GroupNorm with one group per channel, statistics over each item's valid frames only, so a
  // padded item is normalised exactly as it would be alone.
  at::Tensor masked_channel_norm(const at::Tensor& h, const at::Tensor& valid) {
    // Statistics per item over its valid frames (a contiguous prefix), then one fused
    // scale-and-shift pass: y = h * (w / std) + (b - mean * w / std).
    const int64_t batch = h.size(0);
    const double eps = group_norm->options.eps();
    at::Tensor valid_cpu = valid.to(at::kCPU);
    std::vector<at::Tensor> scales, shifts;
    for (int64_t b = 0; b < batch; ++b) {
      const int64_t n = std::max<int64_t>(1, valid_cpu[b].item<int64_t>());
      auto [var, mean] = at::var_mean(h[b].narrow(1, 0, n), {1}, /*correction=*/0, /*keepdim=*/true);  // [C, 1]
      at::Tensor scale = group_norm->weight.unsqueeze(1) * at::rsqrt(var + eps);
      scales.push_back(scale);
      shifts.push_back(group_norm->bias.unsqueeze(1) - mean * scale);
    }
    return at::addcmul(at::stack(shifts), h, at::stack(scales));  // [B, C, L]
  }

  std::string norm_;
  torch::nn::Conv1d conv{nullptr};
  torch::nn::GroupNorm group_norm{nullptr};
  torch::nn::LayerNorm layer_norm{nullptr};
};
TORCH_MODULE(ConvLayer);

// Lengths after a conv with no padding.
at::Tensor conv_lengths(const at::Tensor& lengths, int64_t kernel, int64_t stride) {
  return at::floor_divide(lengths - kernel, stride).add(1).clamp_min(0);
}

// true where position t >= length: [B, T].
at::Tensor padding_mask(const at::Tensor& lengths, int64_t frames) {
  return at::arange(frames, lengths.options()).unsqueeze(0) >= lengths.unsqueeze(1);
}

}  // namespace

at::Tensor wavlm_position_buckets(int64_t frames, int64_t num_buckets, int64_t max_distance) {
  at::Tensor position = at::arange(frames, at::kLong);
  at::Tensor relative = position.unsqueeze(0) - position.unsqueeze(1);  // [query, key] = key - query
  const int64_t half = num_buckets / 2;
  at::Tensor buckets = (relative > 0).to(at::kLong) * half;
  at::Tensor distance = relative.abs();
  const int64_t max_exact = half / 2;
  // The log is taken in float32, exactly as the reference implementations do.
  at::Tensor large = at::log(distance.to(at::kFloat) / max_exact) /
                     static_cast<float>(std::log(static_cast<double>(max_distance) / max_exact)) *
                     static_cast<float>(half - max_exact);
  large = (large + static_cast<float>(max_exact)).to(at::kLong).clamp_max(half - 1);
  return buckets + at::where(distance < max_exact, distance, large);
}

SpeechPositionalConvImpl::SpeechPositionalConvImpl(const Config& c)
    : kernel_(c.pos_conv_kernel), groups_(c.pos_conv_groups) {
  auto conv = register_module("conv", std::make_shared<torch::nn::Module>());
  weight_g_ = conv->register_parameter("weight_g", torch::ones({1, 1, kernel_}));
  weight_v_ = conv->register_parameter("weight_v", torch::randn({c.hidden_size, c.hidden_size / groups_, kernel_}) * 0.02);
  bias_ = conv->register_parameter("bias", torch::zeros({c.hidden_size}));
}

at::Tensor SpeechPositionalConvImpl::forward(const at::Tensor& hidden) {
  RECORD_USER_SCOPE("speech.pos_conv");
  at::Tensor weight = at::_weight_norm(weight_v_, weight_g_, 2);
  at::Tensor h = at::conv1d(hidden.transpose(1, 2), weight, bias_, 1, kernel_ / 2, 1, groups_);  // [B, D, T(+1)]
  if (kernel_ % 2 == 0) h = h.narrow(2, 0, h.size(2) - 1);  // "same" padding for an even kernel
  return at::gelu_(h).transpose(1, 2);
}

SpeechAttentionImpl::SpeechAttentionImpl(const Config& c, bool owns_position_embedding)
    : heads_(c.num_heads),
      head_dim_(c.hidden_size / c.num_heads),
      num_buckets_(c.num_buckets),
      max_distance_(c.max_distance) {
  q_proj = register_module("q_proj", torch::nn::Linear(c.hidden_size, c.hidden_size));
  k_proj = register_module("k_proj", torch::nn::Linear(c.hidden_size, c.hidden_size));
  v_proj = register_module("v_proj", torch::nn::Linear(c.hidden_size, c.hidden_size));
  out_proj = register_module("out_proj", torch::nn::Linear(c.hidden_size, c.hidden_size));
  if (!c.gated_relative_bias) return;
  gru_rel_pos_const_ = register_parameter("gru_rel_pos_const", torch::ones({1, heads_, 1, 1}));
  gru_rel_pos_linear = register_module("gru_rel_pos_linear", torch::nn::Linear(head_dim_, 8));
  if (owns_position_embedding)
    rel_attn_embed = register_module("rel_attn_embed", torch::nn::Embedding(num_buckets_, heads_));
}

at::Tensor SpeechAttentionImpl::position_bias(int64_t frames) const {
  at::Tensor buckets = wavlm_position_buckets(frames, num_buckets_, max_distance_).to(rel_attn_embed->weight.device());
  return at::embedding(rel_attn_embed->weight, buckets).permute({2, 0, 1});  // [H, T, T]
}

at::Tensor SpeechAttentionImpl::gated_bias(const at::Tensor& hidden, const at::Tensor& bias) {
  // The gate scales each query row of the bias; it is computed from the layer's input.
  const int64_t B = hidden.size(0), T = hidden.size(1);
  at::Tensor gate_input = hidden.view({B, T, heads_, head_dim_}).transpose(1, 2);                 // [B, H, T, d]
  at::Tensor projected = gru_rel_pos_linear(gate_input).view({B, heads_, T, 2, 4}).sum(-1);       // [B, H, T, 2]
  auto gates = at::sigmoid(projected).chunk(2, -1);
  at::Tensor gate = gates[0] * (gates[1] * gru_rel_pos_const_ - 1.0) + 2.0;                       // [B, H, T, 1]
  return gate * bias.unsqueeze(0);                                                                 // [B, H, T, T]
}

at::Tensor FrameRows::pack(const at::Tensor& x) const {
  at::Tensor flat = x.reshape({batch * frames, x.size(-1)});
  return index.defined() ? flat.index_select(0, index) : flat;
}

at::Tensor FrameRows::unpack(const at::Tensor& x) const {
  if (!index.defined()) return x.view({batch, frames, x.size(-1)});
  return at::zeros({batch * frames, x.size(-1)}, x.options()).index_copy_(0, index, x).view({batch, frames, x.size(-1)});
}

at::Tensor SpeechAttentionImpl::forward(const at::Tensor& hidden, const at::Tensor& bias, const FrameRows& rows) {
  RECORD_USER_SCOPE("speech.attention");
  const int64_t B = rows.batch, T = rows.frames;
  auto heads_first = [&](const at::Tensor& x) { return rows.unpack(x).view({B, T, heads_, head_dim_}).transpose(1, 2); };  // [B, H, T, d]
  at::Tensor q = heads_first(q_proj(hidden)), k = heads_first(k_proj(hidden)), v = heads_first(v_proj(hidden));
  at::Tensor mask = bias.defined() ? gated_bias(rows.unpack(hidden), bias) : at::Tensor();
  if (rows.key_padding.defined()) {
    at::Tensor padded = rows.key_padding.view({B, 1, 1, T});
    // Without a bias a boolean mask (true: attend) says the same as an additive one.
    mask = mask.defined() ? mask.masked_fill_(padded, -std::numeric_limits<float>::infinity()) : ~padded;
  }
  std::optional<at::Tensor> attn_mask;  // SDPA takes no mask as nullopt, not as an undefined tensor
  if (mask.defined()) attn_mask = mask;
  at::Tensor attended = at::scaled_dot_product_attention(q, k, v, attn_mask);  // [B, H, T, d]
  return out_proj(rows.pack(attended.transpose(1, 2).reshape({B, T, heads_ * head_dim_})));
}

SpeechEncoderLayerImpl::SpeechEncoderLayerImpl(const Config& c, bool owns_position_embedding)
    : pre_ln_(c.stable_layer_norm) {
  attention = register_module("attention", SpeechAttention(c, owns_position_embedding));
  auto ln = [&] { return torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.hidden_size}).eps(c.layer_norm_eps)); };
  layer_norm = register_module("layer_norm", ln());
  auto feed_forward = register_module("feed_forward", std::make_shared<torch::nn::Module>());
  intermediate_dense = feed_forward->register_module("intermediate_dense", torch::nn::Linear(c.hidden_size, c.intermediate_size));
  output_dense = feed_forward->register_module("output_dense", torch::nn::Linear(c.intermediate_size, c.hidden_size));
  final_layer_norm = register_module("final_layer_norm", ln());
}

at::Tensor SpeechEncoderLayerImpl::feed_forward(const at::Tensor& x) {
  RECORD_USER_SCOPE("speech.feed_forward");
  at::Tensor inner = intermediate_dense(x);
  return output_dense(at::gelu_(inner));  // in place: no second [R, 4D] tensor
}

at::Tensor SpeechEncoderLayerImpl::forward(const at::Tensor& hidden, const at::Tensor& bias, const FrameRows& rows) {
  if (pre_ln_) {
    at::Tensor h = hidden + attention(layer_norm(hidden), bias, rows);
    return h + feed_forward(final_layer_norm(h));
  }
  at::Tensor h = layer_norm(hidden + attention(hidden, bias, rows));
  return final_layer_norm(h + feed_forward(h));
}

SpeechTransformerImpl::SpeechTransformerImpl(Config config) : config_(std::move(config)) {
  config_.validate();
  const auto& c = config_;
  auto feature_extractor = register_module("feature_extractor", std::make_shared<torch::nn::Module>());
  conv_layers_ = feature_extractor->register_module("conv_layers", torch::nn::ModuleList());
  for (size_t i = 0; i < c.conv_dim.size(); ++i) {
    std::string norm = c.feat_extract_norm == "layer" ? "layer" : (i == 0 ? "group" : "none");
    conv_layers_->push_back(ConvLayer(i == 0 ? 1 : c.conv_dim[i - 1], c.conv_dim[i], c.conv_kernel[i],
                                      c.conv_stride[i], c.conv_bias, norm));
  }
  auto feature_projection = register_module("feature_projection", std::make_shared<torch::nn::Module>());
  if (c.projection_layer_norm)
    projection_norm = feature_projection->register_module(
        "layer_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.conv_dim.back()}).eps(c.layer_norm_eps)));
  projection = feature_projection->register_module("projection", torch::nn::Linear(c.conv_dim.back(), c.hidden_size));
  auto encoder = register_module("encoder", std::make_shared<torch::nn::Module>());
  pos_conv = encoder->register_module("pos_conv_embed", SpeechPositionalConv(c));
  encoder_norm = encoder->register_module(
      "layer_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.hidden_size}).eps(c.layer_norm_eps)));
  encoder_layers_ = encoder->register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.num_layers; ++i) encoder_layers_->push_back(SpeechEncoderLayer(c, i == 0));
  eval();
}

at::Tensor SpeechTransformerImpl::normalize(const at::Tensor& waveforms, const at::Tensor& lengths) const {
  // layer_norm over each utterance's valid samples (unilm, torchaudio); padding stays zero.
  const int64_t N = waveforms.size(1);
  at::Tensor valid = lengths.defined() ? ~padding_mask(lengths, N) : at::ones_like(waveforms, at::kBool);
  at::Tensor mask = valid.to(waveforms.dtype());
  at::Tensor count = mask.sum(1, true).clamp_min(1);
  at::Tensor mean = (waveforms * mask).sum(1, true) / count;
  at::Tensor var = ((waveforms - mean).square() * mask).sum(1, true) / count;
  return (waveforms - mean) * at::rsqrt(var + 1e-5) * mask;
}

at::Tensor SpeechTransformerImpl::extract_conv_features(const at::Tensor& waveforms, const at::Tensor& lengths) {
  RECORD_USER_SCOPE("speech.conv_front");
  at::Tensor x = waveforms.unsqueeze(1);  // [B, 1, N]
  at::Tensor valid = lengths;
  for (size_t i = 0; i < conv_layers_->size(); ++i) {
    if (valid.defined()) valid = conv_lengths(valid, config_.conv_kernel[i], config_.conv_stride[i]);
    x = conv_layers_->at<ConvLayerImpl>(i).forward(x, valid);
  }
  return x;  // [B, C, T]
}

at::Tensor SpeechTransformerImpl::project_features(const at::Tensor& features) {
  RECORD_USER_SCOPE("speech.projection");
  return projection(projection_norm ? projection_norm(features) : features);
}

void SpeechTransformerImpl::check_request(const at::Tensor& waveforms, const std::vector<int64_t>& layers) const {
  const std::string& name = config_.family;
  if (waveforms.dim() != 2) throw Error(name + ": expected waveforms [batch, samples]");
  for (int64_t layer : layers)
    if (layer < 0 || layer > config_.num_layers)
      throw Error(name + ": layer " + std::to_string(layer) + " does not exist (0.." + std::to_string(config_.num_layers) + ")");
  const int64_t N = waveforms.size(1);
  if (config_.frames(N) < 1)
    throw Error(name + ": input of " + std::to_string(N) + " samples is shorter than one frame (" +
                std::to_string(config_.min_samples()) + " samples)");
}

std::vector<at::Tensor> SpeechTransformerImpl::run_encoder(at::Tensor hidden, const FrameRows& rows, int64_t last) {
  hidden = hidden + pos_conv(hidden);
  const int64_t frames = hidden.size(1);
  hidden = rows.pack(hidden);
  if (!config_.stable_layer_norm) hidden = encoder_norm(hidden);
  std::vector<at::Tensor> states(static_cast<size_t>(last + 1));
  states[0] = hidden;
  at::Tensor bias;
  if (config_.gated_relative_bias && last > 0)
    bias = encoder_layers_->at<SpeechEncoderLayerImpl>(0).attention->position_bias(frames);
  for (int64_t i = 0; i < last; ++i) {
    hidden = encoder_layers_->at<SpeechEncoderLayerImpl>(static_cast<size_t>(i)).forward(hidden, bias, rows);
    states[static_cast<size_t>(i + 1)] = hidden;
  }
  if (config_.stable_layer_norm && last == config_.num_layers) states.back() = encoder_norm(states.back());
  return states;
}

SpeechTransformerImpl::Output SpeechTransformerImpl::forward(const at::Tensor& waveforms, const at::Tensor& lengths,
                                                             const std::vector<int64_t>& layers) {
  check_request(waveforms, layers);
  const int64_t N = waveforms.size(1);
  const int64_t frames = config_.frames(N);
  // Masks are only needed when some item is shorter than the batch.
  at::Tensor sample_lengths;
  if (lengths.defined() && lengths.lt(N).any().item<bool>()) sample_lengths = lengths.to(waveforms.device(), at::kLong);

  at::Tensor features;  // [B, T, C]
  if (waveforms.is_cpu() && !batched_on_cpu_) {
    features = conv_features_item_by_item(waveforms, sample_lengths);
  } else {
    at::Tensor x = config_.normalize_waveform ? normalize(waveforms, sample_lengths) : waveforms;
    features = extract_conv_features(x, sample_lengths).transpose(1, 2);
  }
  at::Tensor hidden = project_features(features);  // [B, T, D]

  Output out;
  FrameRows rows{waveforms.size(0), frames, {}, {}};
  if (sample_lengths.defined()) {
    at::Tensor frame_lengths = sample_lengths;
    for (size_t i = 0; i < config_.conv_kernel.size(); ++i)
      frame_lengths = conv_lengths(frame_lengths, config_.conv_kernel[i], config_.conv_stride[i]);
    out.frame_lengths = frame_lengths;
    rows.key_padding = padding_mask(frame_lengths, frames);
    rows.index = (~rows.key_padding).flatten().nonzero().squeeze(1);
    hidden = hidden.masked_fill(rows.key_padding.unsqueeze(-1), 0.0);  // padding must not leak through the pos conv
  } else {
    out.frame_lengths = at::full({waveforms.size(0)}, frames, at::TensorOptions(at::kLong).device(waveforms.device()));
  }
  const int64_t last = layers.empty() ? 0 : *std::max_element(layers.begin(), layers.end());
  std::vector<at::Tensor> states = run_encoder(hidden, rows, last);
  for (int64_t layer : layers) out.layers.push_back(rows.unpack(states[static_cast<size_t>(layer)]));
  return out;
}

at::Tensor SpeechTransformerImpl::conv_features_item_by_item(const at::Tensor& waveforms, const at::Tensor& lengths) {
  RECORD_USER_SCOPE("speech.conv_front");
  const int64_t B = waveforms.size(0), N = waveforms.size(1);
  at::Tensor samples = lengths.defined() ? lengths.to(at::kCPU, at::kLong).clamp_max(N) : at::full({B}, N, at::kLong);
  at::Tensor features = at::zeros({B, config_.frames(N), config_.conv_dim.back()}, waveforms.options());
  for (int64_t b = 0; b < B; ++b) {
    const int64_t n = samples[b].item<int64_t>();
    if (config_.frames(n) < 1) continue;  // too short for one frame: all padding, as in a batch
    at::Tensor wave = waveforms[b].narrow(0, 0, n);
    if (config_.normalize_waveform) wave = normalize(wave.unsqueeze(0), {})[0];
    at::Tensor h = wave.unsqueeze(1);  // [n, 1]: time-major
    for (size_t i = 0; i < conv_layers_->size(); ++i) h = conv_layers_->at<ConvLayerImpl>(i).forward_frames(h);
    features[b].narrow(0, 0, h.size(0)).copy_(h);
  }
  return features;
}

}  // namespace vgs::backbones
