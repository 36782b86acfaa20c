// Transformer blocks shared by the models: self-attention and a pre-norm encoder layer under the
// parameter names of PyTorch's nn.MultiheadAttention and nn.TransformerEncoderLayer, so that state
// dicts carry over from Python; each also computes a single CLS row cheaply (forward_cls), which is
// all a pooling tower's last layer needs.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include <cstdint>

namespace vgs::nn {

// nn.MultiheadAttention's self-attention parameters under its names: in_proj_weight [3W, W] (q, k, v
// stacked), in_proj_bias [3W], out_proj.{weight, bias}. Every query (forward): with
// at::scaled_dot_product_attention, which PyTorch's own MHA calls when need_weights=False. The CLS
// query alone (forward_cls): the same attention computed in input space, without key and value
// projections (see pooling_tower.cpp).
class SelfAttentionImpl : public torch::nn::Module {
 public:
  SelfAttentionImpl(int64_t width, int64_t heads, double dropout);
  // x [B, S, W]; keep [B, 1, 1, S] bool (true: a key to attend to) or undefined (all) -> [B, S, W].
  at::Tensor forward(const at::Tensor& x, const at::Tensor& keep);
  // The CLS token's query over the keys [CLS, frames]: cls [B, W] or [1, W] (the same for every item),
  // frames [B, T, W], frame_keep [B, T] bool or undefined -> [B, W].
  at::Tensor forward_cls(const at::Tensor& cls, const at::Tensor& frames, const at::Tensor& frame_keep);

  at::Tensor in_proj_weight, in_proj_bias;
  torch::nn::Linear out_proj{nullptr};

 private:
  int64_t width_, heads_;
  double dropout_;
};
TORCH_MODULE(SelfAttention);

// nn.TransformerEncoderLayer(norm_first=True, activation="gelu", batch_first=True):
//   x = x + dropout1(self_attn(norm1(x)))            (self_attn drops attention weights)
//   x = x + dropout2(linear2(dropout(gelu(linear1(norm2(x))))))
class PreNormEncoderLayerImpl : public torch::nn::Module {
 public:
  PreNormEncoderLayerImpl(int64_t width, int64_t heads, double dropout);
  // Every row: x [B, S, W], keep [B, 1, 1, S] or undefined -> [B, S, W].
  at::Tensor forward(const at::Tensor& x, const at::Tensor& keep);
  // The CLS row alone, all a tower's last layer has to give: each output row depends only on its own
  // input row outside attention. cls [B, W] or [1, W], frames [B, T, W], frame_keep [B, T] -> [B, W].
  at::Tensor forward_cls(const at::Tensor& cls, const at::Tensor& frames, const at::Tensor& frame_keep);

  SelfAttention self_attn{nullptr};
  torch::nn::Linear linear1{nullptr}, linear2{nullptr};
  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};

 private:
  at::Tensor feed_forward(const at::Tensor& h);  // h + dropout2(linear2(dropout(gelu(linear1(norm2(h))))))

  double dropout_;
};
TORCH_MODULE(PreNormEncoderLayer);

}  // namespace vgs::nn
