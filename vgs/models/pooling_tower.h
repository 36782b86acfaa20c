// The me-vgs TransformerPooling tower: frame or patch features of one modality -> one L2-normalised
// embedding, read from a learned CLS token after pre-LN transformer encoder layers. Parameter names
// mirror PyTorch's modules (nn.TransformerEncoderLayer, nn.MultiheadAttention) so a state dict
// carries over from Python.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <string>
#include <vector>

#include "vgs/core/choices.h"
#include "vgs/nn/attention.h"

namespace vgs::models {

// Position encoding added to a tower's projected frames (model.positions).
enum class Positions { none, sinusoidal };
const core::Choices<Positions>& position_encodings();

struct PoolingTowerConfig {
  int64_t input_dim = 0;  // feature size D of the backbone (768 for WavLM Base+, 2048 for ResNet-50)
  int64_t width = 256;    // transformer width; heads = width / 64 (at least 1)
  int64_t depth = 1;      // encoder layers (me-vgs: 1)
  int64_t embed_dim = 256;
  double dropout = 0.1;  // PyTorch's default for nn.TransformerEncoderLayer, at all four of its places
  int64_t num_input_layers = 1;  // > 1: the input is [B, L, T, D], mixed by learned softmax weights
  // "none" (me-vgs: backbone features already carry their context) or "sinusoidal" (Vaswani et al.'s
  // fixed table added to the projected frames), for weight-free front ends whose frames do not.
  Positions positions = Positions::none;
  // Standardise each input dimension with fixed statistics (buffers input_mean, input_inv_std, set
  // from the training features by the trainer and saved with the weights). Raw front ends (log-mel
  // around -5, white-background patches) share one large offset that otherwise makes every item
  // look alike at the start, and training can sit at chance for dozens of epochs.
  bool standardize_inputs = false;

  // Throws vgs::Error naming the first inconsistent value.
  void validate() const;
  int64_t heads() const { return width >= 64 ? width / 64 : 1; }
};

// Parameters: [input_layer_weights (num_input_layers > 1)], proj_in, class_embedding,
// layers.<i>.{self_attn, linear1, linear2, norm1, norm2}, ln_out, proj_out (no bias). me-vgs's single
// `layer.` is `layers.0.` here (rename_me_vgs_state in vgs/models/two_tower.h does that).
class PoolingTowerImpl : public torch::nn::Module {
 public:
  explicit PoolingTowerImpl(PoolingTowerConfig config);

  // features [B, T, D] (or [B, L, T, D] with num_input_layers = L > 1); lengths [B] integer frames
  // valid per item (1..T), or undefined when every frame is valid. -> [B, embed_dim], L2-normalised.
  at::Tensor forward(const at::Tensor& features, const at::Tensor& lengths = {});
  // What the tower computes on the way, for representation analysis (vgs-analyze): the input frames
  // (mixed, standardised) mean-pooled over valid frames [B, D], the CLS token after each layer
  // [B, W] (depth of them), and the embedding [B, E]; depth + 2 tensors, the last one forward's.
  std::vector<at::Tensor> stages(const at::Tensor& features, const at::Tensor& lengths = {});

  // The softmax-weighted sum over the layer axis: [B, L, T, D] -> [B, T, D].
  at::Tensor mix_input_layers(const at::Tensor& features) const;
  // The current mixing weights [L] (softmax of input_layer_weights); undefined when L = 1.
  at::Tensor input_layer_mixture() const;
  const PoolingTowerConfig& config() const { return config_; }

  // Sets input_mean / input_inv_std (standardize_inputs) from per-dimension mean and std [D].
  void set_input_statistics(const at::Tensor& mean, const at::Tensor& std);

  at::Tensor input_layer_weights;  // [L] logits, zeros at start (equal weights); only when L > 1
  at::Tensor input_mean, input_inv_std;  // [D] buffers; only with standardize_inputs
  torch::nn::Linear proj_in{nullptr};
  at::Tensor class_embedding;  // [W]
  torch::nn::ModuleList layers{nullptr};
  torch::nn::LayerNorm ln_out{nullptr};
  torch::nn::Linear proj_out{nullptr};

 private:
  void check_inputs(const at::Tensor& features, const at::Tensor& lengths) const;
  // forward, and with `stages` set also what stages() returns.
  at::Tensor encode(const at::Tensor& features, const at::Tensor& lengths, std::vector<at::Tensor>* stages);

  PoolingTowerConfig config_;
};
TORCH_MODULE(PoolingTower);

// Number of trainable values in a module (me-vgs find-lr.ipynb's count).
int64_t count_parameters(const torch::nn::Module& module);

}  // namespace vgs::models
