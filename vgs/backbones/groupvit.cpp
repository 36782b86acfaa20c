// GroupViT's image encoder and projector (NVlabs models/group_vit.py, HF modeling_groupvit.py) in
// eval mode: patch embedding, grouping stages with hard assignment, final norm, projector.
#include "vgs/backbones/groupvit.h"

#include <torch/torch.h>

#include <sstream>

#include "vgs/core/error.h"

namespace vgs::backbones {

namespace {

torch::nn::LayerNorm layer_norm(const GroupViTConfig& c) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.width}).eps(c.layer_norm_eps));
}

std::string numbers(const std::vector<int64_t>& values, const char* separator) {
  std::string text;
  for (size_t i = 0; i < values.size(); ++i) text += (i ? separator : "") + std::to_string(values[i]);
  return text;
}

int64_t channel_hidden(const GroupViTConfig& c) { return static_cast<int64_t>(c.mlp_ratio * c.width); }
int64_t token_hidden(const GroupViTConfig& c) { return static_cast<int64_t>(c.token_mlp_ratio * c.width); }

void check_config(const GroupViTConfig& c) {
  if (c.width <= 0 || c.heads <= 0 || c.width % c.heads != 0)
    throw Error(describe(c) + ": width must be a positive multiple of heads");
  if (c.depths.size() < 2 || c.group_tokens.size() + 1 != c.depths.size())
    throw Error(describe(c) + ": needs one group-token count per stage but the last");
  for (int64_t g : c.group_tokens)
    if (g <= 0) throw Error(describe(c) + ": group-token counts must be positive");
  if (c.patch <= 0 || c.image_size < c.patch) throw Error(describe(c) + ": image_size must be at least one patch");
}

}  // namespace

GroupViTConfig GroupViTConfig::tiny() {
  GroupViTConfig c;
  c.width = 32;
  c.heads = 2;
  c.depths = {1, 1, 1};
  c.group_tokens = {8, 4};
  c.projector_hidden = 64;
  c.projection_dim = 32;
  return c;
}

std::string describe(const GroupViTConfig& c) {
  std::ostringstream out;
  out << "GroupViT(width=" << c.width << ", heads=" << c.heads << ", depths=[" << numbers(c.depths, ",")
      << "], groups=[" << numbers(c.group_tokens, ",") << "], projection=" << c.projection_dim << ")";
  return out.str();
}

GroupViTMLPImpl::GroupViTMLPImpl(int64_t in, int64_t hidden, int64_t out, bool token_axis) : token_axis_(token_axis) {
  fc1 = register_module("fc1", torch::nn::Linear(in, hidden));
  fc2 = register_module("fc2", torch::nn::Linear(hidden, out));
}

at::Tensor GroupViTMLPImpl::forward(const at::Tensor& x) {
  if (token_axis_) return fc2(at::gelu(fc1(x.transpose(1, 2)))).transpose(1, 2);
  return fc2(at::gelu(fc1(x)));
}

GroupViTAttentionImpl::GroupViTAttentionImpl(int64_t width, int64_t heads) : heads_(heads) {
  q_proj = register_module("q_proj", torch::nn::Linear(width, width));
  k_proj = register_module("k_proj", torch::nn::Linear(width, width));
  v_proj = register_module("v_proj", torch::nn::Linear(width, width));
  out_proj = register_module("out_proj", torch::nn::Linear(width, width));
}

at::Tensor GroupViTAttentionImpl::forward(const at::Tensor& queries, const at::Tensor& keys) {
  const int64_t B = queries.size(0), Q = queries.size(1), D = queries.size(2);
  auto heads = [&](const at::Tensor& x) { return x.view({B, x.size(1), heads_, D / heads_}).transpose(1, 2); };
  at::Tensor q = heads(q_proj(queries)), k = heads(k_proj(keys)), v = heads(v_proj(keys));
  at::Tensor out = at::scaled_dot_product_attention(q, k, v);  // scale head_dim^-0.5, as HF and NVlabs
  return out_proj(out.transpose(1, 2).reshape({B, Q, D}));
}

GroupViTBlockImpl::GroupViTBlockImpl(const GroupViTConfig& c) {
  layer_norm1 = register_module("layer_norm1", layer_norm(c));
  self_attn = register_module("self_attn", GroupViTAttention(c.width, c.heads));
  layer_norm2 = register_module("layer_norm2", layer_norm(c));
  mlp = register_module("mlp", GroupViTMLP(c.width, channel_hidden(c), c.width, false));
}

at::Tensor GroupViTBlockImpl::forward(const at::Tensor& x) {
  at::Tensor h = layer_norm1(x);
  at::Tensor y = x + self_attn(h, h);
  return y + mlp(layer_norm2(y));
}

GroupViTAssignImpl::GroupViTAssignImpl(int64_t width, double assign_eps)
    : scale_(1.0 / std::sqrt(static_cast<double>(width))), assign_eps_(assign_eps) {
  q_proj = register_module("q_proj", torch::nn::Linear(width, width));
  k_proj = register_module("k_proj", torch::nn::Linear(width, width));
  v_proj = register_module("v_proj", torch::nn::Linear(width, width));
  proj = register_module("proj", torch::nn::Linear(width, width));
}

Assignment GroupViTAssignImpl::forward(const at::Tensor& groups, const at::Tensor& tokens) {
  at::Tensor raw = at::matmul(q_proj(groups), k_proj(tokens).transpose(1, 2)) * scale_;  // [B, G, N], one head
  Assignment a;
  a.soft = at::softmax(raw, 1);  // over the groups: each token picks a group
  a.hard = at::zeros_like(a.soft).scatter_(1, std::get<1>(a.soft.max(1, true)), 1.0);
  // The straight-through form y_hard - y_soft + y_soft, as NVlabs and HF compute it in eval too: equal
  // to the one-hot up to a rounding of the ones, kept so the group means match theirs to the last bit.
  at::Tensor attn = a.hard - a.soft + a.soft;
  attn = attn / (attn.sum(-1, true) + assign_eps_);  // mean over the assigned tokens, count + eps
  a.out = proj(at::matmul(attn, v_proj(tokens)));
  return a;
}

GroupingBlockImpl::GroupingBlockImpl(const GroupViTConfig& c, int64_t groups) {
  norm_tokens = register_module("norm_tokens", layer_norm(c));
  mlp_inter = register_module("mlp_inter", GroupViTMLP(groups, token_hidden(c), groups, true));
  norm_post_tokens = register_module("norm_post_tokens", layer_norm(c));
  norm_x = register_module("norm_x", layer_norm(c));
  auto cross = register_module("pre_assign_attn", std::make_shared<torch::nn::Module>());
  cross_attn = cross->register_module("attn", GroupViTAttention(c.width, c.heads));
  cross_norm2 = cross->register_module("norm2", layer_norm(c));
  cross_mlp = cross->register_module("mlp", GroupViTMLP(c.width, channel_hidden(c), c.width, false));
  cross_norm_post = cross->register_module("norm_post", layer_norm(c));
  assign = register_module("assign", GroupViTAssign(c.width, c.assign_eps));
  norm_new_x = register_module("norm_new_x", layer_norm(c));
  mlp_channels = register_module("mlp_channels", GroupViTMLP(c.width, channel_hidden(c), c.width, false));
}

// CrossAttnBlock with post_norm (NVlabs): no norms on the query and key, a LayerNorm at the end.
at::Tensor GroupingBlockImpl::pre_assign(const at::Tensor& groups, const at::Tensor& tokens) {
  at::Tensor q = groups + cross_attn(groups, tokens);
  q = q + cross_mlp(cross_norm2(q));
  return cross_norm_post(q);
}

Assignment GroupingBlockImpl::forward(const at::Tensor& tokens, const at::Tensor& group_tokens) {
  at::Tensor x = norm_x(tokens);                                               // [B, N, D]
  at::Tensor groups = norm_post_tokens(mlp_inter(norm_tokens(group_tokens)));  // [B, G, D]
  groups = pre_assign(groups, x);
  Assignment a = assign(groups, x);
  at::Tensor grouped = a.out + groups;
  a.out = grouped + mlp_channels(norm_new_x(grouped));
  return a;
}

GroupViTStageImpl::GroupViTStageImpl(const GroupViTConfig& c, int64_t stage) {
  const bool grouping = stage < static_cast<int64_t>(c.group_tokens.size());
  groups_ = grouping ? c.group_tokens[static_cast<size_t>(stage)] : 0;
  // NVlabs: normal(0.02) group tokens, zero when a projector adds the previous stage's groups.
  if (grouping)
    group_token = register_parameter("group_token", stage == 0 ? torch::randn({1, groups_, c.width}) * 0.02
                                                               : torch::zeros({1, groups_, c.width}));
  blocks_ = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.depths[static_cast<size_t>(stage)]; ++i) blocks_->push_back(GroupViTBlock(c));
  if (grouping) downsample = register_module("downsample", GroupingBlock(c, groups_));
  if (grouping && stage > 0) {
    int64_t previous = c.group_tokens[static_cast<size_t>(stage - 1)];
    group_projector = register_module(
        "group_projector", torch::nn::Sequential(layer_norm(c), GroupViTMLP(previous, c.width / 2, groups_, true)));
  }
}

StageOutput GroupViTStageImpl::forward(const at::Tensor& tokens, const at::Tensor& previous_groups) {
  StageOutput out;
  at::Tensor x = tokens;
  if (groups_ > 0) {
    at::Tensor groups = group_token.expand({tokens.size(0), -1, -1});
    if (group_projector) groups = groups + group_projector->forward(previous_groups);
    x = at::cat({tokens, groups}, 1);  // [B, N + G, D]
  }
  for (size_t i = 0; i < blocks_->size(); ++i) x = blocks_->at<GroupViTBlockImpl>(i).forward(x);
  if (groups_ == 0) {
    out.tokens = x;
    return out;
  }
  const int64_t N = tokens.size(1);
  out.group_tokens = x.narrow(1, N, groups_);
  out.assignment = downsample(x.narrow(1, 0, N), out.group_tokens);
  out.tokens = out.assignment.out;
  return out;
}

GroupViTImpl::GroupViTImpl(GroupViTConfig config) : config_(std::move(config)) {
  check_config(config_);
  const auto& c = config_;
  auto embeddings = register_module("embeddings", std::make_shared<torch::nn::Module>());
  auto patch = embeddings->register_module("patch_embeddings", std::make_shared<torch::nn::Module>());
  patch_projection = patch->register_module(
      "projection", torch::nn::Conv2d(torch::nn::Conv2dOptions(c.in_channels, c.width, c.patch).stride(c.patch)));
  const int64_t side = c.patches_per_side();
  position_embeddings = embeddings->register_parameter("position_embeddings", torch::randn({1, side * side, c.width}) * 0.02);
  patch_norm = embeddings->register_module("layernorm", layer_norm(c));
  auto encoder = register_module("encoder", std::make_shared<torch::nn::Module>());
  stages_ = encoder->register_module("stages", torch::nn::ModuleList());
  for (size_t s = 0; s < c.depths.size(); ++s) stages_->push_back(GroupViTStage(c, static_cast<int64_t>(s)));
  layernorm = register_module("layernorm", layer_norm(c));
  visual_projection = register_module(
      "visual_projection",
      torch::nn::Sequential(torch::nn::Linear(c.width, c.projector_hidden),
                            torch::nn::BatchNorm1d(torch::nn::BatchNorm1dOptions(c.projector_hidden).eps(c.batch_norm_eps)),
                            torch::nn::ReLU(), torch::nn::Linear(c.projector_hidden, c.projection_dim)));
  for (auto& p : parameters()) p.set_requires_grad(false);
  eval();
}

at::Tensor GroupViTImpl::position_embeddings_for(int64_t h, int64_t w) {
  const int64_t side = config_.patches_per_side();
  if (h == side && w == side) return position_embeddings;
  at::Tensor grid = position_embeddings.reshape({1, side, side, config_.width}).permute({0, 3, 1, 2});
  grid = torch::nn::functional::interpolate(
      grid, torch::nn::functional::InterpolateFuncOptions().size(std::vector<int64_t>{h, w}).mode(torch::kBicubic).align_corners(false));
  return grid.permute({0, 2, 3, 1}).reshape({1, h * w, config_.width});
}

at::Tensor GroupViTImpl::embed(const at::Tensor& images) {
  if (images.dim() != 4 || images.size(1) != config_.in_channels)
    throw Error(describe(config_) + ": expected images [B, " + std::to_string(config_.in_channels) + ", H, W], got " +
                numbers(images.sizes().vec(), "x"));
  if (images.size(2) < config_.patch || images.size(3) < config_.patch)
    throw Error(describe(config_) + ": images must be at least one patch (" + std::to_string(config_.patch) + " px)");
  at::Tensor maps = patch_projection(images);  // [B, D, h, w]
  at::Tensor tokens = patch_norm(maps.flatten(2).transpose(1, 2));
  return tokens + position_embeddings_for(maps.size(2), maps.size(3));
}

at::Tensor GroupViTImpl::project(const at::Tensor& x) {
  at::Tensor flat = x.reshape({-1, x.size(-1)});
  std::vector<int64_t> shape = x.sizes().vec();
  shape.back() = config_.projection_dim;
  return visual_projection->forward(flat).reshape(shape);
}

GroupViTOutput GroupViTImpl::forward(const at::Tensor& images, int64_t last_stage) {
  torch::InferenceMode guard;
  const int64_t stages = static_cast<int64_t>(stages_->size());
  if (last_stage < 0) last_stage = stages - 1;
  GroupViTOutput out;
  at::Tensor x = embed(images), groups;
  for (int64_t s = 0; s <= last_stage; ++s) {
    StageOutput stage = stages_->at<GroupViTStageImpl>(static_cast<size_t>(s)).forward(x, groups);
    x = stage.tokens;
    groups = stage.group_tokens;
    if (!stage.assignment.soft.defined()) continue;
    out.stage_tokens.push_back(x);
    out.soft.push_back(stage.assignment.soft);
    out.hard.push_back(stage.assignment.hard);
  }
  if (last_stage < stages - 1) return out;
  out.groups = layernorm(x);
  out.projected = project(out.groups);
  out.pooled = project(out.groups.mean(1));
  return out;
}

}  // namespace vgs::backbones
