// GroupViT's grouping block (Xu et al. 2022, NVlabs/GroupViT models/group_vit.py GroupingBlock,
// AssignAttention, CrossAttnBlock, Mlp) with a padding mask added, under GroupViT's parameter names:
// K group tokens, as queries over S tokens, take the tokens assigned to them. Each token goes to one
// group (logits normalised over the GROUP axis, Gumbel-softmax with a straight-through hard one-hot in
// training, argmax in eval); padding tokens go to none.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include <cstdint>

namespace vgs::models {

// GroupViT's Mlp: fc1, GELU, fc2 (no dropout: GroupViT's drop is 0 in the grouping block).
class GroupMlpImpl : public torch::nn::Module {
 public:
  GroupMlpImpl(int64_t in, int64_t hidden, int64_t out);
  at::Tensor forward(const at::Tensor& x);  // [..., in] -> [..., out]

  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(GroupMlp);

// Multi-head attention with separate q_proj, k_proj, v_proj and output proj (GroupViT's Attention in
// its cross-attention form; the text decoder's cross-attention over the groups too). Keys may have
// their own width.
class CrossAttentionImpl : public torch::nn::Module {
 public:
  CrossAttentionImpl(int64_t width, int64_t key_width, int64_t heads, double dropout);
  // query [B, Q, W], key [B, S, Wk], keep [B, S] bool (true: a key to attend to) or undefined -> [B, Q, W].
  at::Tensor forward(const at::Tensor& query, const at::Tensor& key, const at::Tensor& keep);

  torch::nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, proj{nullptr};

 private:
  int64_t heads_;
  double dropout_;
};
TORCH_MODULE(CrossAttention);

// GroupViT's CrossAttnBlock with post_norm=True (norm_q, norm_k are identities):
//   q = q + attn(q, x);  q = q + mlp(norm2(q));  q = norm_post(q)
class CrossAttnBlockImpl : public torch::nn::Module {
 public:
  CrossAttnBlockImpl(int64_t width, int64_t heads);
  at::Tensor forward(const at::Tensor& query, const at::Tensor& x, const at::Tensor& keep);  // as CrossAttention

  CrossAttention attn{nullptr};
  torch::nn::LayerNorm norm2{nullptr}, norm_post{nullptr};
  GroupMlp mlp{nullptr};
};
TORCH_MODULE(CrossAttnBlock);

// How AssignAttention turns its logits into assignments.
struct AssignOptions {
  bool hard = true;         // one-hot (straight-through) or the softmax itself
  double gumbel_tau = 1.0;  // Gumbel-softmax temperature (training only)
  double assign_eps = 1.0;  // added to each group's token count before averaging (GroupViT issue #17)
};

// One assignment of tokens to groups.
struct Assignment {
  at::Tensor groups;  // [B, K, W] the groups' new values: proj(mean of the values of their tokens)
  at::Tensor hard;    // [B, K, S] one-hot over K per kept token, zero columns at padding; no gradient
  at::Tensor soft;    // [B, K, S] softmax over K of the noise-free logits, zero columns at padding; no gradient
};

// GroupViT's AssignAttention, one head: logits = q_proj(groups) k_proj(x)^T / sqrt(W), normalised over
// the groups. Training: Gumbel-softmax (noise from the default generator of the logits' device);
// eval: the noise-free softmax. With `hard`, the one-hot of its argmax with the straight-through
// gradient y_hard - y_soft.detach() + y_soft. Then each group averages its tokens' values:
// attn / (attn.sum(tokens) + assign_eps).
class AssignAttentionImpl : public torch::nn::Module {
 public:
  AssignAttentionImpl(int64_t width, AssignOptions options);
  // groups [B, K, W], x [B, S, W], keep [B, S] bool or undefined.
  Assignment forward(const at::Tensor& groups, const at::Tensor& x, const at::Tensor& keep);

  torch::nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, proj{nullptr};

 private:
  AssignOptions options_;
};
TORCH_MODULE(AssignAttention);

// GroupViT's GroupingBlock with as many output groups as input groups (K -> K):
//   g = norm_tokens(groups);  x = norm_x(x)
//   p = norm_post_tokens(mlp_inter(g^T)^T)          (an MLP across the K groups)
//   p = pre_assign_attn(p, x)
//   new, assignment = assign(p, x);  new = new + p;  new = new + mlp_channels(norm_new_x(new))
class GroupingBlockImpl : public torch::nn::Module {
 public:
  GroupingBlockImpl(int64_t width, int64_t heads, int64_t groups, AssignOptions options);
  // x [B, S, W] tokens, groups [B, K, W], keep [B, S] bool or undefined -> new groups and the assignment.
  Assignment forward(const at::Tensor& x, const at::Tensor& groups, const at::Tensor& keep);

  torch::nn::LayerNorm norm_tokens{nullptr}, norm_x{nullptr}, norm_post_tokens{nullptr}, norm_new_x{nullptr};
  GroupMlp mlp_inter{nullptr}, mlp_channels{nullptr};
  CrossAttnBlock pre_assign_attn{nullptr};
  AssignAttention assign{nullptr};
};
TORCH_MODULE(GroupingBlock);

}  // namespace vgs::models
