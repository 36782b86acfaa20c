// GroupViT's image encoder (Xu et al., CVPR 2022; NVlabs/GroupViT) as a frozen image front end: a ViT
// whose grouping blocks merge 196 patch tokens into 64 segments, then 8 groups, plus the image
// projector. Module names are HuggingFace's GroupViTModel names (vision_model.* without its prefix,
// visual_projection.*); groupvit_weights.h renames the NVlabs .pth layout to them.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <string>
#include <vector>

namespace vgs::backbones {

// The defaults are the released models' (configs/group_vit_gcc_{yfcc,redcap}_30e.yml, HF's
// GroupViTVisionConfig): 384 wide, 6 heads, stages of [6,3,3] blocks, 64 then 8 group tokens, a
// 384 -> 4096 -> 256 projector. Every grouping stage outputs as many groups as it has group tokens
// (num_output_groups = num_group_tokens in both released configs); the last stage has none.
struct GroupViTConfig {
  int64_t width = 384;
  int64_t heads = 6;
  int64_t patch = 16;
  int64_t image_size = 224;  // the size position embeddings were learned at (14 x 14 patches)
  int64_t in_channels = 3;
  std::vector<int64_t> depths{6, 3, 3};      // blocks per stage
  std::vector<int64_t> group_tokens{64, 8};  // group tokens of the first depths.size()-1 stages
  double mlp_ratio = 4;                      // blocks' and grouping blocks' channel MLP
  double token_mlp_ratio = 0.5;              // the token-axis MLPs: hidden width * 0.5
  int64_t projector_hidden = 4096;
  int64_t projection_dim = 256;
  double layer_norm_eps = 1e-5;
  double batch_norm_eps = 1e-5;
  double assign_eps = 1.0;  // count normalisation of hard assignment: sum + 1

  // Width 32, 2 heads, [1,1,1] blocks, 8 then 4 groups, 64 -> 32 projector: tests and toy worlds.
  static GroupViTConfig tiny();
  int64_t patches_per_side() const { return image_size / patch; }
  int64_t final_groups() const { return group_tokens.back(); }
};

// "GroupViT(width=384, heads=6, depths=[6,3,3], groups=[64,8], projection=256)".
std::string describe(const GroupViTConfig& config);

// HF GroupViTMLP: fc1, GELU (erf), fc2. As a mixer (token_axis) it runs over the token axis of
// [B, T, D] (NVlabs MixerMlp): [B, T, D] -> [B, T_out, D].
class GroupViTMLPImpl : public torch::nn::Module {
 public:
  GroupViTMLPImpl(int64_t in, int64_t hidden, int64_t out, bool token_axis);
  at::Tensor forward(const at::Tensor& x);

 private:
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  bool token_axis_;
};
TORCH_MODULE(GroupViTMLP);

// Multi-head attention with separate q/k/v/out projections (HF GroupViTAttention; NVlabs' fused
// qkv is split on loading): queries [B, Q, D] over keys [B, K, D] -> [B, Q, D].
class GroupViTAttentionImpl : public torch::nn::Module {
 public:
  GroupViTAttentionImpl(int64_t width, int64_t heads);
  at::Tensor forward(const at::Tensor& queries, const at::Tensor& keys);

 private:
  torch::nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, out_proj{nullptr};
  int64_t heads_;
};
TORCH_MODULE(GroupViTAttention);

// Pre-norm transformer block (NVlabs AttnBlock, HF GroupViTEncoderLayer).
class GroupViTBlockImpl : public torch::nn::Module {
 public:
  explicit GroupViTBlockImpl(const GroupViTConfig& c);
  at::Tensor forward(const at::Tensor& x);  // [B, T, D] -> [B, T, D]

 private:
  torch::nn::LayerNorm layer_norm1{nullptr}, layer_norm2{nullptr};
  GroupViTAttention self_attn{nullptr};
  GroupViTMLP mlp{nullptr};
};
TORCH_MODULE(GroupViTBlock);

// The assignment of image tokens to groups: each token goes to its most similar group (softmax over
// the GROUP axis, then argmax in eval; no Gumbel noise), and a group becomes the mean of its tokens'
// values with the count normalised as sum + assign_eps.
struct Assignment {
  at::Tensor out;   // [B, G, D]
  at::Tensor soft;  // [B, G, N] softmax over groups (what HF returns as `attentions`)
  at::Tensor hard;  // [B, G, N] one-hot over groups
};

class GroupViTAssignImpl : public torch::nn::Module {
 public:
  GroupViTAssignImpl(int64_t width, double assign_eps);
  Assignment forward(const at::Tensor& groups, const at::Tensor& tokens);

 private:
  torch::nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, proj{nullptr};
  double scale_, assign_eps_;
};
TORCH_MODULE(GroupViTAssign);

// NVlabs GroupingBlock (HF GroupViTTokenAssign): S group tokens and N image tokens -> S new tokens.
class GroupingBlockImpl : public torch::nn::Module {
 public:
  GroupingBlockImpl(const GroupViTConfig& c, int64_t groups);
  Assignment forward(const at::Tensor& tokens, const at::Tensor& group_tokens);

 private:
  at::Tensor pre_assign(const at::Tensor& groups, const at::Tensor& tokens);  // CrossAttnBlock, post-norm

  torch::nn::LayerNorm norm_tokens{nullptr}, norm_post_tokens{nullptr}, norm_x{nullptr}, norm_new_x{nullptr};
  GroupViTMLP mlp_inter{nullptr}, mlp_channels{nullptr};
  // pre_assign_attn.{attn, norm2, mlp, norm_post} (HF GroupViTCrossAttentionLayer)
  GroupViTAttention cross_attn{nullptr};
  torch::nn::LayerNorm cross_norm2{nullptr}, cross_norm_post{nullptr};
  GroupViTMLP cross_mlp{nullptr};
  GroupViTAssign assign{nullptr};
};
TORCH_MODULE(GroupingBlock);

// One stage: blocks over [tokens ; group tokens], then (if it has group tokens) grouping.
struct StageOutput {
  at::Tensor tokens;        // [B, G, D] after grouping ([B, N, D] for the last stage)
  at::Tensor group_tokens;  // [B, G, D] group tokens after the blocks (the next stage's projector input)
  Assignment assignment;    // undefined tensors for the last stage
};

class GroupViTStageImpl : public torch::nn::Module {
 public:
  GroupViTStageImpl(const GroupViTConfig& c, int64_t stage);
  StageOutput forward(const at::Tensor& tokens, const at::Tensor& previous_groups);

 private:
  int64_t groups_;
  at::Tensor group_token;                        // [1, G, D]
  torch::nn::ModuleList blocks_;                 // registered as layers.{i}
  GroupingBlock downsample{nullptr};             // stages with group tokens
  torch::nn::Sequential group_projector{nullptr};  // LayerNorm + token MLP, from the previous stage's groups
};
TORCH_MODULE(GroupViTStage);

// Everything one forward pass gives; G = the final group count (8), P = the projection (256).
struct GroupViTOutput {
  std::vector<at::Tensor> stage_tokens;  // grouped tokens of each grouping stage: [B, 64, D], [B, 8, D]
  at::Tensor groups;                     // [B, G, D] final groups after the last LayerNorm
  at::Tensor projected;                  // [B, G, P] the projector applied to each group
  at::Tensor pooled;                     // [B, P] the projector applied to the mean over groups
  std::vector<at::Tensor> soft;          // per grouping stage [B, G_s, N_s]: softmax over groups
  std::vector<at::Tensor> hard;          // per grouping stage [B, G_s, N_s]: one-hot over groups
};

// The image encoder and projector, in eval mode with every parameter frozen (BatchNorm uses its
// running statistics; no Gumbel noise, no drop path).
class GroupViTImpl : public torch::nn::Module {
 public:
  explicit GroupViTImpl(GroupViTConfig config = {});

  // images [B, 3, H, W], normalised; sides other than image_size interpolate the position embeddings
  // bicubically (as NVlabs' interpolate_pos_encoding and HF's). Runs without autograd. With
  // last_stage < number of stages, stops after that stage (groups/projected/pooled then undefined).
  GroupViTOutput forward(const at::Tensor& images, int64_t last_stage = -1);
  // The projector on [..., D] -> [..., P] (BatchNorm1d over the flattened leading dimensions).
  at::Tensor project(const at::Tensor& x);
  const GroupViTConfig& config() const { return config_; }

 private:
  at::Tensor embed(const at::Tensor& images);                  // [B, 3, H, W] -> [B, h*w, D]
  at::Tensor position_embeddings_for(int64_t h, int64_t w);  // [1, h*w, D]

  GroupViTConfig config_;
  // embeddings.{patch_embeddings.projection, position_embeddings, layernorm}
  torch::nn::Conv2d patch_projection{nullptr};
  at::Tensor position_embeddings;  // [1, N, D]
  torch::nn::LayerNorm patch_norm{nullptr};
  torch::nn::ModuleList stages_;  // registered as encoder.stages.{i}
  torch::nn::LayerNorm layernorm{nullptr};
  torch::nn::Sequential visual_projection{nullptr};  // 0 Linear, 1 BatchNorm1d, 2 ReLU, 3 Linear
};
TORCH_MODULE(GroupViT);

}  // namespace vgs::backbones
