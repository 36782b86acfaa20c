// The me-vgs TransformerPooling tower (see pooling_tower.h): pre-LN encoder layers over a CLS token
// and projected features, then LayerNorm, a bias-free projection and L2 normalisation.
#include "vgs/models/pooling_tower.h"

#include <ATen/ATen.h>
#include <torch/nn/init.h>

#include <cmath>
#include <limits>
#include <optional>

#include "vgs/core/error.h"
#include "vgs/core/log.h"

namespace vgs::models {

namespace {

void require(bool ok, const std::string& message) {
  if (!ok) throw Error("pooling tower: " + message);
}

std::string shape_of(const at::Tensor& t) { return log::cat(t.sizes()); }

// Vaswani et al.'s table: [T, W], sin at even and cos at odd columns, wavelengths up to 10000 * 2 pi.
at::Tensor sinusoidal_positions(int64_t T, int64_t W, const at::TensorOptions& options) {
  at::Tensor position = at::arange(T, at::kDouble).view({T, 1});
  at::Tensor frequency = at::exp(at::arange(0, W, 2, at::kDouble) * (-std::log(10000.0) / static_cast<double>(W)));
  at::Tensor table = at::zeros({T, W}, at::kDouble);
  table.slice(1, 0, W, 2).copy_(at::sin(position * frequency));
  table.slice(1, 1, W, 2).copy_(at::cos(position * frequency).narrow(1, 0, W / 2));
  return table.to(options);
}

}  // namespace

void PoolingTowerConfig::validate() const {
  require(input_dim >= 1, log::cat("input_dim must be at least 1, got ", input_dim));
  require(width >= 1, log::cat("width must be at least 1, got ", width));
  require(width % heads() == 0,
          log::cat("width ", width, " is not divisible by its ", heads(), " heads (width / 64); use a multiple of 64"));
  require(depth >= 1, log::cat("depth must be at least 1, got ", depth));
  require(embed_dim >= 1, log::cat("embed_dim must be at least 1, got ", embed_dim));
  require(dropout >= 0 && dropout < 1, log::cat("dropout must be in [0, 1), got ", dropout));
  require(num_input_layers >= 1, log::cat("num_input_layers must be at least 1, got ", num_input_layers));
}

const core::Choices<Positions>& position_encodings() {
  static const core::Choices<Positions> choices{{Positions::none, "none"}, {Positions::sinusoidal, "sinusoidal"}};
  return choices;
}

// ---- PoolingTower ---------------------------------------------------------------------------------

PoolingTowerImpl::PoolingTowerImpl(PoolingTowerConfig config) : config_(std::move(config)) {
  config_.validate();
  const auto& c = config_;
  if (c.num_input_layers > 1)
    input_layer_weights = register_parameter("input_layer_weights", torch::zeros({c.num_input_layers}));
  if (c.standardize_inputs) {
    input_mean = register_buffer("input_mean", torch::zeros({c.input_dim}));
    input_inv_std = register_buffer("input_inv_std", torch::ones({c.input_dim}));
  }
  proj_in = register_module("proj_in", torch::nn::Linear(c.input_dim, c.width));
  // me-vgs: input_dim**-0.5 * randn(width).
  class_embedding = register_parameter("class_embedding", torch::randn({c.width}) * std::pow(double(c.input_dim), -0.5));
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.depth; ++i) layers->push_back(nn::PreNormEncoderLayer(c.width, c.heads(), c.dropout));
  ln_out = register_module("ln_out", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.width}).eps(1e-5)));
  proj_out = register_module("proj_out", torch::nn::Linear(torch::nn::LinearOptions(c.width, c.embed_dim).bias(false)));
}

at::Tensor PoolingTowerImpl::input_layer_mixture() const {
  if (!input_layer_weights.defined()) return {};
  return at::softmax(input_layer_weights, 0);  // [L]
}

at::Tensor PoolingTowerImpl::mix_input_layers(const at::Tensor& features) const {
  const int64_t B = features.size(0), L = features.size(1), T = features.size(2), D = features.size(3);
  // One batched [1, L] x [L, T*D] product per item: no [B, L, T, D] temporary as a broadcast sum makes.
  at::Tensor weights = input_layer_mixture().to(features.dtype()).view({1, 1, L}).expand({B, 1, L});  // [B, 1, L]
  return at::bmm(weights, features.reshape({B, L, T * D})).view({B, T, D});                           // [B, T, D]
}

void PoolingTowerImpl::check_inputs(const at::Tensor& features, const at::Tensor& lengths) const {
  const auto& c = config_;
  require(features.defined(), "features are undefined");
  if (c.num_input_layers > 1) {
    require(features.dim() == 4 && features.size(1) == c.num_input_layers && features.size(3) == c.input_dim,
            log::cat("features must be [B, L, T, D] = [B, ", c.num_input_layers, ", T, ", c.input_dim, "], got ",
                     shape_of(features)));
  } else {
    require(features.dim() == 3 && features.size(2) == c.input_dim,
            log::cat("features must be [B, T, D] = [B, T, ", c.input_dim, "], got ", shape_of(features)));
  }
  require(features.is_floating_point(), log::cat("features must be floating point, got ", features.dtype()));
  const int64_t B = features.size(0), T = features.size(-2);
  require(B >= 1 && T >= 1, log::cat("features must hold at least one item and one frame, got ", shape_of(features)));
  if (!lengths.defined()) return;
  require(lengths.dim() == 1 && lengths.size(0) == B,
          log::cat("lengths must be [B] = [", B, "] to match features ", shape_of(features), ", got ", shape_of(lengths)));
  require(!lengths.is_floating_point() && !lengths.is_complex(), log::cat("lengths must be integers, got ", lengths.dtype()));
  if (lengths.is_cpu()) {  // on a GPU this check would cost a synchronisation per batch
    const int64_t shortest = lengths.min().item<int64_t>(), longest = lengths.max().item<int64_t>();
    require(shortest >= 1 && longest <= T,
            log::cat("lengths must lie in 1..", T, " (the frames of features ", shape_of(features), "), got ", shortest,
                     "..", longest));
  }
}

at::Tensor PoolingTowerImpl::forward(const at::Tensor& features, const at::Tensor& lengths) {
  return encode(features, lengths, nullptr);
}

std::vector<at::Tensor> PoolingTowerImpl::stages(const at::Tensor& features, const at::Tensor& lengths) {
  std::vector<at::Tensor> out;
  encode(features, lengths, &out);
  return out;
}

namespace {
// The mean over each item's valid frames of x [B, T, D]; keep [B, T] bool or undefined (all valid).
at::Tensor mean_over_frames(const at::Tensor& x, const at::Tensor& keep) {
  if (!keep.defined()) return x.mean(1);
  const at::Tensor weights = keep.to(x.scalar_type()).unsqueeze(-1);
  return (x * weights).sum(1) / weights.sum(1).clamp_min(1);
}
}  // namespace

at::Tensor PoolingTowerImpl::encode(const at::Tensor& features, const at::Tensor& lengths, std::vector<at::Tensor>* stages) {
  check_inputs(features, lengths);
  const auto& c = config_;
  at::Tensor x = c.num_input_layers > 1 ? mix_input_layers(features) : features;  // [B, T, D]
  if (c.standardize_inputs) x = (x - input_mean) * input_inv_std;  // padding frames stay masked
  const int64_t B = x.size(0), T = x.size(1), W = c.width;

  // The CLS token stays apart from the frames: in the first layer it is the same row for every item.
  at::Tensor cls = class_embedding.view({1, W});  // [1, W], later [B, W]
  at::Tensor frames = proj_in(x);                 // [B, T, W]
  if (c.positions == Positions::sinusoidal) frames = frames + sinusoidal_positions(T, W, frames.options());
  // Key padding: each item's first `length` frames are attended to (and the CLS token always). No
  // mask when every frame is valid, known without a device sync only on the CPU.
  at::Tensor frame_keep;
  if (lengths.defined() && !(lengths.is_cpu() && lengths.min().item<int64_t>() == T))
    frame_keep = at::arange(T, frames.options().dtype(at::kLong)).view({1, T}) < lengths.to(frames.device(), at::kLong).view({B, 1});  // [B, T]
  if (stages) stages->push_back(mean_over_frames(x, frame_keep));
  const int64_t last = static_cast<int64_t>(layers->size()) - 1;
  if (last > 0) {  // the layers before the last one need every row
    at::Tensor h = at::cat({cls.expand({B, 1, W}), frames}, 1);  // [B, 1 + T, W]
    at::Tensor keep;
    if (frame_keep.defined())
      keep = at::cat({at::ones({B, 1}, frame_keep.options()), frame_keep}, 1).view({B, 1, 1, T + 1});  // [B, 1, 1, 1 + T]
    for (int64_t i = 0; i < last; ++i) {
      h = layers->at<nn::PreNormEncoderLayerImpl>(i).forward(h, keep);
      if (stages) stages->push_back(h.select(1, 0));
    }
    cls = h.select(1, 0);
    frames = h.narrow(1, 1, T);
  }
  at::Tensor out = layers->at<nn::PreNormEncoderLayerImpl>(last).forward_cls(cls, frames, frame_keep);  // [B, W]
  if (stages) stages->push_back(out);
  at::Tensor embedding = proj_out(ln_out(out));                                                    // [B, E]
  embedding = embedding / embedding.norm(2, {-1}, /*keepdim=*/true).clamp_min(1e-12);
  if (stages) stages->push_back(embedding);
  return embedding;
}

void PoolingTowerImpl::set_input_statistics(const at::Tensor& mean, const at::Tensor& std) {
  require(config_.standardize_inputs, "set_input_statistics needs standardize_inputs");
  require(mean.numel() == config_.input_dim && std.numel() == config_.input_dim,
          log::cat("input statistics of ", mean.numel(), " dimensions for input_dim ", config_.input_dim));
  torch::NoGradGuard no_grad;
  input_mean.copy_(mean.reshape({-1}));
  input_inv_std.copy_(1.0 / std.reshape({-1}).clamp_min(1e-5));
}

int64_t count_parameters(const torch::nn::Module& module) {
  int64_t total = 0;
  for (const auto& p : module.parameters()) total += p.numel();
  return total;
}

}  // namespace vgs::models
