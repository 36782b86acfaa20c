// The shallow reconstruction decoder of the text grouping model: one pre-norm transformer decoder
// layer that reads the caption's K group embeddings. It sees the caption only through teacher forcing
// (the previous tokens, one head of causal self-attention) and the groups (one head of
// cross-attention), so what it predicts beyond a language model has to come from the groups.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include <cstdint>

#include "vgs/models/grouping_block.h"
#include "vgs/nn/attention.h"

namespace vgs::models {

struct TextDecoderConfig {
  int64_t width = 256;      // the decoder's width (the encoder's)
  int64_t memory_dim = 256; // width of the group embeddings it reads (the projection)
  int64_t max_len = 77;     // learned positions
  int64_t heads = 1;        // of the self- and of the cross-attention
  double dropout = 0.1;     // after each sub-layer and on the attention weights
};

// positional_embedding [max_len, W]; self_attn (nn.MultiheadAttention's names); cross_attn.{q_proj,
// k_proj, v_proj, proj}; linear1, linear2 (MLP 4W, GELU); norm1, norm2, norm3; ln_final.
//   x = embedded + positions
//   x = x + dropout(self_attn(norm1(x), causal and padding mask))
//   x = x + dropout(cross_attn(norm2(x), groups))
//   x = x + dropout(linear2(dropout(gelu(linear1(norm3(x))))))
//   out = ln_final(x)
class TextDecoderImpl : public torch::nn::Module {
 public:
  explicit TextDecoderImpl(TextDecoderConfig config);
  // embedded [B, S, W] (input token embeddings), keep [B, S] bool (true: a real token; keep[:, 0]
  // true), groups [B, K, D] -> hidden states [B, S, W]. Row t depends on inputs 0..t only.
  at::Tensor forward(const at::Tensor& embedded, const at::Tensor& keep, const at::Tensor& groups);

  at::Tensor positional_embedding;
  nn::SelfAttention self_attn{nullptr};
  CrossAttention cross_attn{nullptr};
  torch::nn::Linear linear1{nullptr}, linear2{nullptr};
  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr}, norm3{nullptr}, ln_final{nullptr};

 private:
  TextDecoderConfig config_;
};
TORCH_MODULE(TextDecoder);

}  // namespace vgs::models
