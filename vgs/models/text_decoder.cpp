// The text grouping model's reconstruction decoder layer (see text_decoder.h).
#include "vgs/models/text_decoder.h"

#include <ATen/ATen.h>
#include <torch/nn/init.h>

namespace vgs::models {

namespace {
torch::nn::LayerNorm layer_norm(int64_t width) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({width}).eps(1e-5));
}
}  // namespace

TextDecoderImpl::TextDecoderImpl(TextDecoderConfig config) : config_(config) {
  const int64_t W = config_.width;
  positional_embedding = register_parameter("positional_embedding", torch::empty({config_.max_len, W}));
  self_attn = register_module("self_attn", nn::SelfAttention(W, config_.heads, config_.dropout));
  cross_attn = register_module("cross_attn", CrossAttention(W, config_.memory_dim, config_.heads, config_.dropout));
  linear1 = register_module("linear1", torch::nn::Linear(W, 4 * W));
  linear2 = register_module("linear2", torch::nn::Linear(4 * W, W));
  norm1 = register_module("norm1", layer_norm(W));
  norm2 = register_module("norm2", layer_norm(W));
  norm3 = register_module("norm3", layer_norm(W));
  ln_final = register_module("ln_final", layer_norm(W));
  torch::NoGradGuard no_grad;
  torch::nn::init::normal_(positional_embedding, 0.0, 0.01);  // CLIP's text positions
}

at::Tensor TextDecoderImpl::forward(const at::Tensor& embedded, const at::Tensor& keep, const at::Tensor& groups) {
  const int64_t B = embedded.size(0), S = embedded.size(1);
  const bool train = is_training();
  const double p = config_.dropout;
  // Query t attends to keys 0..t that are real tokens (key 0, SOT, always is: no row is empty).
  at::Tensor causal = at::ones({S, S}, keep.options()).tril();                // [S, S]
  at::Tensor mask = causal.view({1, 1, S, S}).logical_and(keep.view({B, 1, 1, S}));  // [B, 1, S, S]
  at::Tensor x = embedded + positional_embedding.narrow(0, 0, S);
  x = x + at::dropout(self_attn(norm1(x), mask), p, train);
  x = x + at::dropout(cross_attn(norm2(x), groups, at::Tensor()), p, train);
  x = x + at::dropout(linear2(at::dropout(at::gelu(linear1(norm3(x))), p, train)), p, train);
  return ln_final(x);  // [B, S, W]
}

}  // namespace vgs::models
