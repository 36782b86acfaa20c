// Loading GroupViT weights from the NVlabs and HuggingFace layouts (renaming as HF's
// convert_groupvit_nvlab_to_hf.py does).
#include "vgs/backbones/groupvit_weights.h"

#include <torch/torch.h>

#include <regex>
#include <utility>
#include <vector>

#include "vgs/backbones/groupvit.h"
#include "vgs/core/error.h"
#include "vgs/core/log.h"
#include "vgs/core/strings.h"
#include "vgs/nn/load_state.h"

namespace vgs::backbones {

namespace {

using Rule = std::pair<std::regex, std::string>;

// NVlabs -> vgs (HF) names; the first rule that matches applies. Fused qkv is handled apart.
const std::vector<Rule>& nvlabs_rules() {
  static const std::vector<Rule> rules = {
      {std::regex(R"(^img_encoder\.pos_embed$)"), "embeddings.position_embeddings"},
      {std::regex(R"(^img_encoder\.patch_embed\.proj\.)"), "embeddings.patch_embeddings.projection."},
      {std::regex(R"(^img_encoder\.patch_embed\.norm\.)"), "embeddings.layernorm."},
      {std::regex(R"(^img_encoder\.layers\.(\d+)\.blocks\.(\d+)\.attn\.proj\.)"), "encoder.stages.$1.layers.$2.self_attn.out_proj."},
      {std::regex(R"(^img_encoder\.layers\.(\d+)\.blocks\.(\d+)\.norm([12])\.)"), "encoder.stages.$1.layers.$2.layer_norm$3."},
      {std::regex(R"(^img_encoder\.layers\.(\d+)\.blocks\.(\d+)\.mlp\.)"), "encoder.stages.$1.layers.$2.mlp."},
      {std::regex(R"(^img_encoder\.layers\.(\d+)\.downsample\.pre_assign_attn\.attn\.proj\.)"),
       "encoder.stages.$1.downsample.pre_assign_attn.attn.out_proj."},
      {std::regex(R"(^img_encoder\.layers\.(\d+)\.)"), "encoder.stages.$1."},
      {std::regex(R"(^img_encoder\.norm\.)"), "layernorm."},
      {std::regex(R"(^img_projector\.linear_hidden\.([01])\.)"), "visual_projection.$1."},
      {std::regex(R"(^img_projector\.linear_out\.)"), "visual_projection.3."},
  };
  return rules;
}

std::string apply_rules(const std::string& name, const std::vector<Rule>& rules) {
  for (const auto& [pattern, replacement] : rules)
    if (std::regex_search(name, pattern)) return std::regex_replace(name, pattern, replacement);
  return name;
}

bool any_starts_with(const io::StateDict& tensors, const std::string& prefix) {
  for (const auto& item : tensors)
    if (core::starts_with(item.first, prefix)) return true;
  return false;
}

// NVlabs saves {'model': state_dict, 'optimizer': ..., ...}, which reads back flattened as
// "model.img_encoder..."; only the model's tensors are kept. A bare state dict passes unchanged.
io::StateDict unwrap_model(const io::StateDict& tensors) {
  if (!any_starts_with(tensors, "model.img_encoder.") && !any_starts_with(tensors, "model.vision_model.")) return tensors;
  io::StateDict out;
  for (const auto& [name, t] : tensors)
    if (core::starts_with(name, "model.")) out[name.substr(6)] = t;
  return out;
}

// The text tower, its projector and the contrastive temperatures: no part of the image encoder.
bool is_text_side(const std::string& name) {
  for (const char* prefix : {"text_encoder.", "text_projector.", "text_model.", "text_projection."})
    if (core::starts_with(name, prefix)) return true;
  return name == "logit_scale" || name == "multi_label_logit_scale";
}

// Conv1d(k=1) projector weights [out, in, 1] as the Linear weights [out, in] they are.
bool is_conv1d_weight(const std::string& canonical, const at::Tensor& t) {
  return (canonical == "visual_projection.0.weight" || canonical == "visual_projection.3.weight") && t.dim() == 3 &&
         t.size(2) == 1;
}

void rename_nvlabs(const std::string& name, const at::Tensor& tensor, io::StateDict& out) {
  static const std::regex fused(R"(^img_encoder\.layers\.(\d+)\.blocks\.(\d+)\.attn\.qkv\.(weight|bias)$)");
  std::smatch m;
  if (std::regex_match(name, m, fused)) {
    // rows [q; k; v], each `width` long (heads contiguous inside), as the HF converter splits them
    const std::string stem = "encoder.stages." + m[1].str() + ".layers." + m[2].str() + ".self_attn.";
    auto parts = tensor.chunk(3, 0);
    out[stem + "q_proj." + m[3].str()] = parts[0];
    out[stem + "k_proj." + m[3].str()] = parts[1];
    out[stem + "v_proj." + m[3].str()] = parts[2];
    return;
  }
  std::string canonical = apply_rules(name, nvlabs_rules());
  out[canonical] = is_conv1d_weight(canonical, tensor) ? tensor.squeeze(2) : tensor;
}

}  // namespace

const char* groupvit_naming_name(GroupViTNaming naming) {
  return naming == GroupViTNaming::nvlabs ? "NVlabs" : "HuggingFace";
}

GroupViTNaming detect_groupvit_naming(const io::StateDict& raw, const std::string& source) {
  io::StateDict tensors = unwrap_model(raw);
  if (any_starts_with(tensors, "img_encoder.")) return GroupViTNaming::nvlabs;
  if (any_starts_with(tensors, "vision_model.")) return GroupViTNaming::huggingface;
  throw Error(source + ": no GroupViT image-encoder tensors found (expected NVlabs 'img_encoder.*' names, in a "
                       "{'model': ...} checkpoint or bare, or HuggingFace 'vision_model.*' names)");
}

io::StateDict groupvit_canonical_state(const io::StateDict& raw, const std::string& source, GroupViTNaming* detected) {
  GroupViTNaming naming = detect_groupvit_naming(raw, source);
  if (detected) *detected = naming;
  io::StateDict out;
  for (const auto& [name, tensor] : unwrap_model(raw)) {
    if (is_text_side(name)) continue;
    if (naming == GroupViTNaming::nvlabs) {
      rename_nvlabs(name, tensor, out);
    } else {
      const std::string prefix = "vision_model.";
      out[core::starts_with(name, prefix) ? name.substr(prefix.size()) : name] = tensor;
    }
  }
  return out;
}

void load_groupvit_weights(GroupViTImpl& model, const io::StateDict& tensors, const std::string& source) {
  GroupViTNaming naming;
  io::StateDict canonical = groupvit_canonical_state(tensors, source, &naming);
  nn::LoadOptions options;
  options.optional = [](const std::string& name) { return name == "visual_projection.1.num_batches_tracked"; };
  nn::load_state_dict(model, canonical, source, describe(model.config()) + " (" + groupvit_naming_name(naming) + " layout)",
                      options);
  log::debug("[backbones] ", source, ": loaded ", canonical.size(), " GroupViT tensors (", groupvit_naming_name(naming),
             " names)");
}

}  // namespace vgs::backbones
