// GroupViT's grouping block with a padding mask (see grouping_block.h).
#include "vgs/models/grouping_block.h"

#include <ATen/ATen.h>

#include <cmath>
#include <optional>

namespace vgs::models {

namespace {

torch::nn::LayerNorm layer_norm(int64_t width) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({width}).eps(1e-5));
}

torch::nn::Linear linear(int64_t in, int64_t out) { return torch::nn::Linear(torch::nn::LinearOptions(in, out)); }

// The one-hot of the argmax over `dim`, in the dtype of `y` (ties: the first, as torch's argmax).
at::Tensor one_hot_argmax(const at::Tensor& y, int64_t dim) {
  return at::zeros_like(y).scatter_(dim, y.argmax(dim, /*keepdim=*/true), 1.0);
}

}  // namespace

// ---- GroupMlp, CrossAttention, CrossAttnBlock -----------------------------------------------------

GroupMlpImpl::GroupMlpImpl(int64_t in, int64_t hidden, int64_t out) {
  fc1 = register_module("fc1", linear(in, hidden));
  fc2 = register_module("fc2", linear(hidden, out));
}

at::Tensor GroupMlpImpl::forward(const at::Tensor& x) { return fc2(at::gelu(fc1(x))); }

CrossAttentionImpl::CrossAttentionImpl(int64_t width, int64_t key_width, int64_t heads, double dropout)
    : heads_(heads), dropout_(dropout) {
  q_proj = register_module("q_proj", linear(width, width));
  k_proj = register_module("k_proj", linear(key_width, width));
  v_proj = register_module("v_proj", linear(key_width, width));
  proj = register_module("proj", linear(width, width));
}

at::Tensor CrossAttentionImpl::forward(const at::Tensor& query, const at::Tensor& key, const at::Tensor& keep) {
  const int64_t B = query.size(0), Q = query.size(1), S = key.size(1), W = q_proj->options.out_features();
  const int64_t H = heads_, d = W / H;
  auto heads = [&](const at::Tensor& t, int64_t n) { return t.view({B, n, H, d}).transpose(1, 2); };  // [B, H, n, d]
  std::optional<at::Tensor> mask;
  if (keep.defined()) mask = keep.view({B, 1, 1, S});
  const double p = is_training() ? dropout_ : 0.0;
  at::Tensor out = at::scaled_dot_product_attention(heads(q_proj(query), Q), heads(k_proj(key), S),
                                                    heads(v_proj(key), S), mask, p);  // [B, H, Q, d]
  return proj(out.transpose(1, 2).reshape({B, Q, W}));                                 // [B, Q, W]
}

CrossAttnBlockImpl::CrossAttnBlockImpl(int64_t width, int64_t heads) {
  attn = register_module("attn", CrossAttention(width, width, heads, 0.0));
  norm2 = register_module("norm2", layer_norm(width));
  mlp = register_module("mlp", GroupMlp(width, 4 * width, width));
  norm_post = register_module("norm_post", layer_norm(width));
}

at::Tensor CrossAttnBlockImpl::forward(const at::Tensor& query, const at::Tensor& x, const at::Tensor& keep) {
  at::Tensor q = query + attn(query, x, keep);
  q = q + mlp(norm2(q));
  return norm_post(q);
}

// ---- AssignAttention ------------------------------------------------------------------------------

AssignAttentionImpl::AssignAttentionImpl(int64_t width, AssignOptions options) : options_(options) {
  q_proj = register_module("q_proj", linear(width, width));
  k_proj = register_module("k_proj", linear(width, width));
  v_proj = register_module("v_proj", linear(width, width));
  proj = register_module("proj", linear(width, width));
}

Assignment AssignAttentionImpl::forward(const at::Tensor& groups, const at::Tensor& x, const at::Tensor& keep) {
  const int64_t W = q_proj->options.out_features();
  at::Tensor raw = at::matmul(q_proj(groups), k_proj(x).transpose(1, 2)) * std::pow(double(W), -0.5);  // [B, K, S]
  // GroupViT's get_attn: Gumbel noise in training only; torch's gumbel_softmax draws -log(Exp(1)).
  at::Tensor logits = raw;
  if (is_training()) logits = (raw - at::empty_like(raw).exponential_().log()) / options_.gumbel_tau;
  at::Tensor y_soft = at::softmax(logits, 1);  // over the groups: they compete for each token
  at::Tensor y_hard = one_hot_argmax(y_soft.detach(), 1);
  at::Tensor attn = options_.hard ? y_hard - y_soft.detach() + y_soft : y_soft;  // straight-through
  at::Tensor kept;  // [B, 1, S]: padding tokens belong to no group
  if (keep.defined()) {
    kept = keep.unsqueeze(1).to(attn.scalar_type());
    attn = attn * kept;
  }
  // Each group averages its tokens' values, the count eased by assign_eps (GroupViT issue #17).
  at::Tensor weights = attn / (attn.sum(-1, /*keepdim=*/true) + options_.assign_eps);
  Assignment out;
  out.groups = proj(at::matmul(weights, v_proj(x)));  // [B, K, W]
  at::Tensor soft = at::softmax(raw.detach(), 1);
  out.hard = kept.defined() ? y_hard * kept : y_hard;
  out.soft = kept.defined() ? soft * kept : soft;
  return out;
}

// ---- GroupingBlock --------------------------------------------------------------------------------

GroupingBlockImpl::GroupingBlockImpl(int64_t width, int64_t heads, int64_t groups, AssignOptions options) {
  norm_tokens = register_module("norm_tokens", layer_norm(width));
  mlp_inter = register_module("mlp_inter", GroupMlp(groups, width / 2, groups));  // GroupViT: tokens_dim 0.5 W
  norm_post_tokens = register_module("norm_post_tokens", layer_norm(width));
  norm_x = register_module("norm_x", layer_norm(width));
  pre_assign_attn = register_module("pre_assign_attn", CrossAttnBlock(width, heads));
  assign = register_module("assign", AssignAttention(width, options));
  norm_new_x = register_module("norm_new_x", layer_norm(width));
  mlp_channels = register_module("mlp_channels", GroupMlp(width, 4 * width, width));
}

Assignment GroupingBlockImpl::forward(const at::Tensor& x, const at::Tensor& groups, const at::Tensor& keep) {
  at::Tensor g = norm_tokens(groups);  // [B, K, W]
  at::Tensor tokens = norm_x(x);       // [B, S, W]
  at::Tensor p = norm_post_tokens(mlp_inter(g.transpose(1, 2)).transpose(1, 2));  // [B, K, W]
  p = pre_assign_attn(p, tokens, keep);
  Assignment out = assign(p, tokens, keep);
  at::Tensor updated = out.groups + p;
  out.groups = updated + mlp_channels(norm_new_x(updated));
  return out;
}

}  // namespace vgs::models
