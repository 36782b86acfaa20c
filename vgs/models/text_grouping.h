// The text grouping model (Behjati & Henderson, "Discovering Meaningful Units with Visually Grounded
// Semantics from Image Captions"; docs/text_grouping.md): a caption's subword tokens are grouped into
// K phrase-like slots whose embeddings are aligned with a frozen GroupViT image encoder's groups, and a
// shallow decoder reconstructs the caption from the slots.
//
//   TextGrouping model(config);                          // config.vocab_size from the tokenizer
//   auto out = model->forward(ids, keep);                // out.groups [B, K, D], out.pooled [B, D]
//   at::Tensor rec = model->reconstruction_loss(ids, keep, out.groups);
//   // losses::text_grouping_loss (vgs/losses/text_grouping_loss.h) puts them together with the images.
//
// ids: int64 [B, L] token ids < vocab_size, SOT first and EOT last as CLIP's tokenizer writes them;
// keep: bool [B, L], true for real tokens (SOT .. EOT), false for padding.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "vgs/core/choices.h"
#include "vgs/models/grouping_block.h"
#include "vgs/models/text_decoder.h"
#include "vgs/models/two_tower.h"

namespace vgs::models {

// How the K group embeddings become the one caption embedding of the contrastive loss
// (model.group_pooling): mean (GroupViT's image side) or the element-wise max; L2-normalised after.
enum class GroupPooling { mean, max };
const core::Choices<GroupPooling>& group_poolings();

struct TextGroupingConfig {
  int64_t vocab_size = 0;      // set from the tokenizer (CLIP's BPE: 49408)
  int64_t width = 256;         // GroupViT's text width
  int64_t heads = 4;           // of the encoder layers and the pre-assignment cross-attention
  int64_t max_len = 77;        // CLIP's context length
  int64_t groups = 4;          // K slots
  int64_t encoder_layers = 6;  // over [tokens ; groups]
  int64_t group_layers = 3;    // over the groups after the grouping block
  double gumbel_tau = 1.0;     // GroupViT's
  bool hard = true;            // hard (straight-through one-hot) assignment, GroupViT's
  double assign_eps = 1.0;     // GroupViT's
  double dropout = 0.1;        // encoder and decoder layers (not the grouping block, as GroupViT)
  int64_t embed_dim = 256;     // projection: GroupViT's shared embedding size
  GroupPooling pooling = GroupPooling::mean;
  int64_t decoder_heads = 1;   // of the decoder's self- and cross-attention
  bool tie_output = true;      // the decoder's output projection is the token embedding (no own [V, W])
  // The contrastive logit scale, as the two-tower model's (vgs/models/two_tower.h): learnable
  // exp(logit_scale) from ln(1/0.07), clamped to ln(max_scale) after each step (GroupViT, CLIP).
  Temperature temperature = Temperature::learnable;
  double fixed_scale = 100.0;
  double logit_scale_init = std::log(1 / 0.07);
  double max_scale = 100.0;

  // Throws vgs::Error naming the first inconsistent value.
  void validate() const;
};

struct TextGroupingOutput {
  at::Tensor groups;           // [B, K, D] L2-normalised group embeddings
  at::Tensor pooled;           // [B, D] the pooled caption embedding (config.pooling), L2-normalised
  at::Tensor assignment_hard;  // [B, K, L] one-hot over K for each real token, zero at padding; no gradient
  at::Tensor assignment_soft;  // [B, K, L] noise-free softmax over K, zero at padding; no gradient
};

// Parameters: token_embedding.weight [V, W], positional_embedding [max_len, W], group_token [K, W],
// layers.<i> (nn::PreNormEncoderLayer), grouping (GroupingBlock, GroupViT's names), group_layers.<i>,
// ln_final, projection.weight [D, W] (no bias), decoder (TextDecoder), output.{weight, bias} (only
// without tie_output), logit_scale (learnable temperature only).
class TextGroupingImpl : public torch::nn::Module {
 public:
  explicit TextGroupingImpl(TextGroupingConfig config);

  // Training: Gumbel noise in the assignment and dropout, drawn from the default generator of the
  // model's device; eval: deterministic. vgs::Error for ids or keep of the wrong shape or type.
  TextGroupingOutput forward(const at::Tensor& ids, const at::Tensor& keep);
  // What vgs-analyze compares layer by layer, each [B, W] (the last [B, D]): the input (token plus
  // position embeddings), each encoder layer's output, both mean-pooled over the real tokens; the
  // grouping block's groups and each group layer's output, mean-pooled over the K groups; the pooled
  // caption embedding (forward's `pooled`). Runs as forward does (call eval() first for no noise).
  std::vector<at::Tensor> stages(const at::Tensor& ids, const at::Tensor& keep);

  // Teacher forcing: the decoder reads ids[:, :-1] and the groups [B, K, D] and predicts ids[:, 1:].
  // Per target token cross-entropy [B, L - 1], zero where the target is padding.
  at::Tensor reconstruction_losses(const at::Tensor& ids, const at::Tensor& keep, const at::Tensor& groups);
  // Their mean over the batch's target tokens (keep[:, 1:]).
  at::Tensor reconstruction_loss(const at::Tensor& ids, const at::Tensor& keep, const at::Tensor& groups);
  // The number of target tokens of a batch: keep[:, 1:].sum(), a 0-dim int64 tensor.
  static at::Tensor reconstruction_targets(const at::Tensor& keep);

  // [B, K, D] -> [B, D] by config.pooling, L2-normalised.
  at::Tensor pool(const at::Tensor& groups) const;
  // The contrastive logit scale (0-dim): exp(logit_scale), or fixed_scale without gradient.
  at::Tensor scale() const;
  // After each optimizer step: logit_scale.clamp_(0, ln(max_scale)); a no-op when fixed.
  void clamp_logit_scale();
  const TextGroupingConfig& config() const { return config_; }

  torch::nn::Embedding token_embedding{nullptr};
  at::Tensor positional_embedding;  // [max_len, W]
  at::Tensor group_token;           // [K, W]
  torch::nn::ModuleList layers{nullptr}, group_layers{nullptr};
  GroupingBlock grouping{nullptr};
  torch::nn::LayerNorm ln_final{nullptr};
  torch::nn::Linear projection{nullptr};
  TextDecoder decoder{nullptr};
  torch::nn::Linear output{nullptr};  // only without tie_output
  at::Tensor logit_scale;             // 0-dim; only with the learnable temperature

 private:
  void check_inputs(const at::Tensor& ids, const at::Tensor& keep) const;
  // forward's work; when `stages` is given, each stage's pooled output is appended to it.
  TextGroupingOutput encode(const at::Tensor& ids, const at::Tensor& keep, std::vector<at::Tensor>* stages);

  TextGroupingConfig config_;
};
TORCH_MODULE(TextGrouping);

}  // namespace vgs::models
