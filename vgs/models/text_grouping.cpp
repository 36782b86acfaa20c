// The text grouping model (see text_grouping.h): encoder over [tokens ; groups], GroupViT's grouping
// block, group layers, projection; the reconstruction decoder; the contrastive logit scale.
#include "vgs/models/text_grouping.h"

#include <ATen/ATen.h>
#include <torch/nn/init.h>

#include "vgs/core/error.h"
#include "vgs/core/log.h"

namespace vgs::models {

namespace {

void require(bool ok, const std::string& message) {
  if (!ok) throw Error("text grouping model: " + message);
}

std::string shape_of(const at::Tensor& t) { return t.defined() ? log::cat(t.sizes()) : std::string("undefined"); }

at::Tensor l2_normalise(const at::Tensor& x) { return x / x.norm(2, {-1}, /*keepdim=*/true).clamp_min(1e-12); }

}  // namespace

const core::Choices<GroupPooling>& group_poolings() {
  static const core::Choices<GroupPooling> choices{{GroupPooling::mean, "mean"}, {GroupPooling::max, "max"}};
  return choices;
}

void TextGroupingConfig::validate() const {
  require(vocab_size >= 3, log::cat("vocab_size must be at least 3 (SOT, EOT and a word), got ", vocab_size,
                                    "; it is set from the tokenizer"));
  require(width >= 1 && heads >= 1 && width % heads == 0,
          log::cat("width must be a positive multiple of heads, got width ", width, " and heads ", heads));
  require(width % 2 == 0, log::cat("width must be even (the grouping MLP is width / 2 wide), got ", width));
  require(max_len >= 2, log::cat("max_len must be at least 2 (SOT and EOT), got ", max_len));
  require(groups >= 1, log::cat("groups must be at least 1, got ", groups));
  require(encoder_layers >= 0 && group_layers >= 0,
          log::cat("encoder_layers and group_layers must not be negative, got ", encoder_layers, " and ", group_layers));
  require(gumbel_tau > 0, log::cat("gumbel_tau must be positive, got ", gumbel_tau));
  require(assign_eps >= 0, log::cat("assign_eps must not be negative, got ", assign_eps));
  require(dropout >= 0 && dropout < 1, log::cat("dropout must be in [0, 1), got ", dropout));
  require(embed_dim >= 1, log::cat("embed_dim must be at least 1, got ", embed_dim));
  require(decoder_heads >= 1 && width % decoder_heads == 0,
          log::cat("width ", width, " must be a multiple of decoder_heads, got ", decoder_heads));
  require(fixed_scale > 0, log::cat("fixed_scale must be positive, got ", fixed_scale));
  require(max_scale >= 1, log::cat("max_scale must be at least 1 (the clamp is [0, ln(max_scale)]), got ", max_scale));
  require(logit_scale_init >= 0 && logit_scale_init <= std::log(max_scale),
          log::cat("logit_scale_init must lie in [0, ln(max_scale) = ", std::log(max_scale), "], got ", logit_scale_init));
}

TextGroupingImpl::TextGroupingImpl(TextGroupingConfig config) : config_(std::move(config)) {
  config_.validate();
  const auto& c = config_;
  const int64_t W = c.width;
  token_embedding = register_module("token_embedding", torch::nn::Embedding(c.vocab_size, W));
  positional_embedding = register_parameter("positional_embedding", torch::empty({c.max_len, W}));
  group_token = register_parameter("group_token", torch::empty({c.groups, W}));
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.encoder_layers; ++i) layers->push_back(nn::PreNormEncoderLayer(W, c.heads, c.dropout));
  grouping = register_module("grouping", GroupingBlock(W, c.heads, c.groups, AssignOptions{c.hard, c.gumbel_tau, c.assign_eps}));
  group_layers = register_module("group_layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.group_layers; ++i) group_layers->push_back(nn::PreNormEncoderLayer(W, c.heads, c.dropout));
  ln_final = register_module("ln_final", torch::nn::LayerNorm(torch::nn::LayerNormOptions({W}).eps(1e-5)));
  projection = register_module("projection", torch::nn::Linear(torch::nn::LinearOptions(W, c.embed_dim).bias(false)));
  decoder = register_module("decoder", TextDecoder(TextDecoderConfig{W, c.embed_dim, c.max_len, c.decoder_heads, c.dropout}));
  if (!c.tie_output) output = register_module("output", torch::nn::Linear(W, c.vocab_size));
  if (c.temperature == Temperature::learnable)  // 0-dim, as open_clip's and GroupViT's
    logit_scale = register_parameter("logit_scale", torch::full({}, c.logit_scale_init, torch::kFloat));
  torch::NoGradGuard no_grad;
  torch::nn::init::normal_(token_embedding->weight, 0.0, 0.02);  // CLIP's text encoder
  torch::nn::init::normal_(positional_embedding, 0.0, 0.01);
  torch::nn::init::normal_(group_token, 0.0, 0.02);  // GroupViT's trunc_normal_(std=.02) cuts at +-2, i.e. never
}

void TextGroupingImpl::check_inputs(const at::Tensor& ids, const at::Tensor& keep) const {
  const auto& c = config_;
  require(ids.defined() && ids.dim() == 2 && ids.scalar_type() == at::kLong,
          log::cat("ids must be int64 [B, L], got ", shape_of(ids), ids.defined() ? log::cat(" ", ids.dtype()) : ""));
  require(ids.size(0) >= 1 && ids.size(1) >= 2 && ids.size(1) <= c.max_len,
          log::cat("ids must hold at least one caption of 2..", c.max_len, " (max_len) tokens, got ", shape_of(ids)));
  require(keep.defined() && keep.sizes() == ids.sizes() && keep.scalar_type() == at::kBool,
          log::cat("keep must be bool of the shape of ids ", shape_of(ids), ", got ", shape_of(keep)));
  if (!ids.is_cpu()) return;  // on a GPU these checks would cost a synchronisation per batch
  require(keep.select(1, 0).all().item<bool>(), "keep[:, 0] must be true (every caption starts with SOT)");
  const int64_t low = ids.min().item<int64_t>(), high = ids.max().item<int64_t>();
  require(low >= 0 && high < c.vocab_size,
          log::cat("ids must lie in 0..", c.vocab_size - 1, " (vocab_size ", c.vocab_size, "), got ", low, "..", high));
}

TextGroupingOutput TextGroupingImpl::forward(const at::Tensor& ids, const at::Tensor& keep) { return encode(ids, keep, nullptr); }

std::vector<at::Tensor> TextGroupingImpl::stages(const at::Tensor& ids, const at::Tensor& keep) {
  std::vector<at::Tensor> stages;
  encode(ids, keep, &stages);
  return stages;
}

TextGroupingOutput TextGroupingImpl::encode(const at::Tensor& ids, const at::Tensor& keep, std::vector<at::Tensor>* stages) {
  check_inputs(ids, keep);
  const int64_t B = ids.size(0), L = ids.size(1), K = config_.groups, W = config_.width;
  const at::Tensor token_weights = keep.to(group_token.scalar_type()).unsqueeze(2) / keep.sum(1).view({B, 1, 1});  // [B, L, 1]
  auto record_tokens = [&](const at::Tensor& x) {
    if (stages) stages->push_back((x.narrow(1, 0, L) * token_weights).sum(1));
  };
  auto record_groups = [&](const at::Tensor& g) {
    if (stages) stages->push_back(g.mean(1));
  };
  at::Tensor tokens = token_embedding(ids) + positional_embedding.narrow(0, 0, L);  // [B, L, W]
  record_tokens(tokens);
  at::Tensor h = at::cat({tokens, group_token.unsqueeze(0).expand({B, K, W})}, 1);  // [B, L + K, W]
  // Bidirectional attention: every row sees every real token and every group.
  at::Tensor mask = at::cat({keep, at::ones({B, K}, keep.options())}, 1).view({B, 1, 1, L + K});
  for (const auto& layer : *layers) {
    h = layer->as<nn::PreNormEncoderLayerImpl>()->forward(h, mask);
    record_tokens(h);
  }
  Assignment assigned = grouping(h.narrow(1, 0, L), h.narrow(1, L, K), keep);
  at::Tensor g = assigned.groups;  // [B, K, W]
  record_groups(g);
  for (const auto& layer : *group_layers) {
    g = layer->as<nn::PreNormEncoderLayerImpl>()->forward(g, {});
    record_groups(g);
  }
  TextGroupingOutput out;
  out.groups = l2_normalise(projection(ln_final(g)));  // [B, K, D]
  out.pooled = pool(out.groups);
  if (stages) stages->push_back(out.pooled);
  out.assignment_hard = assigned.hard;
  out.assignment_soft = assigned.soft;
  return out;
}

at::Tensor TextGroupingImpl::pool(const at::Tensor& groups) const {
  at::Tensor pooled = config_.pooling == GroupPooling::mean ? groups.mean(1) : std::get<0>(groups.max(1));
  return l2_normalise(pooled);  // [B, D]
}

at::Tensor TextGroupingImpl::reconstruction_losses(const at::Tensor& ids, const at::Tensor& keep, const at::Tensor& groups) {
  check_inputs(ids, keep);
  const int64_t B = ids.size(0), S = ids.size(1) - 1, V = config_.vocab_size;
  require(groups.defined() && groups.dim() == 3 && groups.size(0) == B && groups.size(2) == config_.embed_dim,
          log::cat("groups must be [B, K, D] = [", B, ", K, ", config_.embed_dim, "], got ", shape_of(groups)));
  at::Tensor hidden = decoder(token_embedding(ids.narrow(1, 0, S)), keep.narrow(1, 0, S), groups);  // [B, S, W]
  at::Tensor logits = config_.tie_output ? at::matmul(hidden, token_embedding->weight.t()) : output(hidden);  // [B, S, V]
  at::Tensor targets = ids.narrow(1, 1, S);
  at::Tensor losses = at::cross_entropy_loss(logits.reshape({B * S, V}), targets.reshape({B * S}), {},
                                             at::Reduction::None).view({B, S});
  return losses * keep.narrow(1, 1, S).to(losses.scalar_type());  // [B, S]
}

at::Tensor TextGroupingImpl::reconstruction_targets(const at::Tensor& keep) { return keep.narrow(1, 1, keep.size(1) - 1).sum(); }

at::Tensor TextGroupingImpl::reconstruction_loss(const at::Tensor& ids, const at::Tensor& keep, const at::Tensor& groups) {
  return reconstruction_losses(ids, keep, groups).sum() / reconstruction_targets(keep);
}

at::Tensor TextGroupingImpl::scale() const {
  if (logit_scale.defined()) return logit_scale.exp();
  return at::scalar_tensor(config_.fixed_scale, group_token.options().requires_grad(false));
}

void TextGroupingImpl::clamp_logit_scale() {
  if (!logit_scale.defined()) return;
  torch::NoGradGuard no_grad;
  logit_scale.clamp_(0, std::log(config_.max_scale));
}

}  // namespace vgs::models
