// Loading WavLM weights from the HuggingFace, torchaudio and unilm layouts.
#include "vgs/backbones/wavlm_weights.h"

#include <torch/torch.h>

#include <regex>
#include <utility>
#include <vector>

#include "vgs/backbones/wavlm.h"
#include "vgs/core/error.h"
#include "vgs/core/log.h"
#include "vgs/core/strings.h"
#include "vgs/nn/load_state.h"

namespace vgs::backbones {

namespace {

using Rule = std::pair<std::regex, std::string>;

// Ordered rewrite rules; the first that matches a name applies.
const std::vector<Rule>& unilm_rules() {
  static const std::vector<Rule> rules = {
      {std::regex(R"(^feature_extractor\.conv_layers\.(\d+)\.0\.(weight|bias)$)"), "feature_extractor.conv_layers.$1.conv.$2"},
      {std::regex(R"(^feature_extractor\.conv_layers\.(\d+)\.2\.1\.(weight|bias)$)"), "feature_extractor.conv_layers.$1.layer_norm.$2"},
      {std::regex(R"(^feature_extractor\.conv_layers\.(\d+)\.2\.(weight|bias)$)"), "feature_extractor.conv_layers.$1.layer_norm.$2"},
      {std::regex(R"(^layer_norm\.(weight|bias)$)"), "feature_projection.layer_norm.$1"},
      {std::regex(R"(^post_extract_proj\.(weight|bias)$)"), "feature_projection.projection.$1"},
      {std::regex(R"(^encoder\.pos_conv\.0\.(weight_g|weight_v|bias)$)"), "encoder.pos_conv_embed.conv.$1"},
      {std::regex(R"(^encoder\.layers\.(\d+)\.self_attn\.grep_a$)"), "encoder.layers.$1.attention.gru_rel_pos_const"},
      {std::regex(R"(^encoder\.layers\.(\d+)\.self_attn\.grep_linear\.(weight|bias)$)"), "encoder.layers.$1.attention.gru_rel_pos_linear.$2"},
      {std::regex(R"(^encoder\.layers\.(\d+)\.self_attn\.relative_attention_bias\.weight$)"), "encoder.layers.$1.attention.rel_attn_embed.weight"},
      {std::regex(R"(^encoder\.layers\.(\d+)\.self_attn\.([qkv]|out)_proj\.(weight|bias)$)"), "encoder.layers.$1.attention.$2_proj.$3"},
      {std::regex(R"(^encoder\.layers\.(\d+)\.self_attn_layer_norm\.(weight|bias)$)"), "encoder.layers.$1.layer_norm.$2"},
      {std::regex(R"(^encoder\.layers\.(\d+)\.fc1\.(weight|bias)$)"), "encoder.layers.$1.feed_forward.intermediate_dense.$2"},
      {std::regex(R"(^encoder\.layers\.(\d+)\.fc2\.(weight|bias)$)"), "encoder.layers.$1.feed_forward.output_dense.$2"},
  };
  return rules;
}

const std::vector<Rule>& torchaudio_rules() {
  static const std::vector<Rule> rules = {
      {std::regex(R"(^encoder\.feature_projection\.)"), "feature_projection."},
      {std::regex(R"(^encoder\.transformer\.layers\.(\d+)\.attention\.attention\.out_proj\.)"), "encoder.layers.$1.attention.out_proj."},
      {std::regex(R"(^encoder\.transformer\.)"), "encoder."},
  };
  return rules;
}

std::string apply_rules(const std::string& name, const std::vector<Rule>& rules) {
  for (const auto& [pattern, replacement] : rules)
    if (std::regex_search(name, pattern)) return std::regex_replace(name, pattern, replacement);
  return name;
}

// Both weight-norm spellings name the same tensors.
std::string weight_norm_name(const std::string& name) {
  static const std::string g = "parametrizations.weight.original0", v = "parametrizations.weight.original1";
  if (size_t at = name.find(g); at != std::string::npos) return name.substr(0, at) + "weight_g";
  if (size_t at = name.find(v); at != std::string::npos) return name.substr(0, at) + "weight_v";
  return name;
}

// Tensors a frozen extractor never uses: masking embeddings and task heads.
bool is_wavlm_tensor(const std::string& name) {
  return core::starts_with(name, "feature_extractor.") || core::starts_with(name, "feature_projection.") ||
         core::starts_with(name, "encoder.");
}

// Drops a prefix every WavLM tensor carries: "model." (unilm's {'cfg','model'}) or "wavlm."
// (transformers' WavLMForCTC and friends).
io::StateDict strip_prefix(const io::StateDict& tensors) {
  for (const std::string prefix : {"model.", "wavlm."}) {
    bool any = false;
    for (const auto& [name, t] : tensors) any = any || core::starts_with(name, prefix + "encoder.");
    if (!any) continue;
    io::StateDict out;
    for (const auto& [name, t] : tensors)
      if (core::starts_with(name, prefix)) out[name.substr(prefix.size())] = t;
    return out;
  }
  return tensors;
}

}  // namespace

const char* wavlm_naming_name(WavLMNaming naming) {
  switch (naming) {
    case WavLMNaming::huggingface: return "HuggingFace";
    case WavLMNaming::torchaudio: return "torchaudio";
    case WavLMNaming::unilm: return "unilm";
  }
  return "?";
}

WavLMNaming detect_wavlm_naming(const io::StateDict& raw, const std::string& source) {
  io::StateDict tensors = strip_prefix(raw);
  bool hf = false, torchaudio = false, unilm = false;
  for (const auto& [name, t] : tensors) {
    torchaudio = torchaudio || core::starts_with(name, "encoder.transformer.");
    unilm = unilm || core::starts_with(name, "post_extract_proj.") || name.find(".self_attn.") != std::string::npos;
    hf = hf || core::starts_with(name, "feature_projection.") || name.find(".attention.q_proj.") != std::string::npos;
  }
  if (torchaudio) return WavLMNaming::torchaudio;
  if (unilm) return WavLMNaming::unilm;
  if (hf) return WavLMNaming::huggingface;
  throw Error(source + ": no WavLM tensors found (expected HuggingFace, torchaudio or unilm names such as "
                       "'encoder.layers.0.attention.q_proj.weight')");
}

io::StateDict wavlm_canonical_state(const io::Checkpoint& checkpoint, const std::string& source, WavLMNaming* detected) {
  WavLMNaming naming = detect_wavlm_naming(checkpoint.tensors, source);
  if (detected) *detected = naming;
  io::StateDict out;
  for (const auto& [raw_name, tensor] : strip_prefix(checkpoint.tensors)) {
    std::string name = weight_norm_name(raw_name);
    if (naming == WavLMNaming::unilm) name = apply_rules(name, unilm_rules());
    if (naming == WavLMNaming::torchaudio) {
      static const std::regex fused(R"(^encoder\.transformer\.layers\.(\d+)\.attention\.attention\.in_proj_(weight|bias)$)");
      std::smatch m;
      if (std::regex_match(name, m, fused)) {
        // torchaudio fuses q, k and v (in that order) into one projection.
        auto parts = tensor.chunk(3, 0);
        const std::string stem = "encoder.layers." + m[1].str() + ".attention.";
        out[stem + "q_proj." + m[2].str()] = parts[0];
        out[stem + "k_proj." + m[2].str()] = parts[1];
        out[stem + "v_proj." + m[2].str()] = parts[2];
        continue;
      }
      name = apply_rules(name, torchaudio_rules());
    }
    if (is_wavlm_tensor(name)) out[name] = tensor;
  }
  return out;
}

namespace {
// unilm checkpoints carry their architecture; refuse one that contradicts the model built.
void check_unilm_cfg(const WavLMConfig& config, const io::Checkpoint& checkpoint, const std::string& source,
                     const std::string& model_name) {
  const auto& meta = checkpoint.metadata;
  if (auto it = meta.find("cfg.layer_norm_first"); it != meta.end()) {
    bool pre_ln = it->second == "true" || it->second == "True" || it->second == "1";
    if (pre_ln != config.stable_layer_norm)
      throw Error(source + ": the checkpoint's cfg says layer_norm_first=" + it->second + " but " + model_name + " is " +
                  (config.stable_layer_norm ? "pre-LN" : "post-LN") + " (Large is pre-LN, Base and Base+ post-LN)");
  }
  if (auto it = meta.find("cfg.encoder_layers"); it != meta.end() && it->second != std::to_string(config.num_layers))
    throw Error(source + ": the checkpoint has " + it->second + " layers but " + model_name + " has " +
                std::to_string(config.num_layers));
  if (auto it = meta.find("cfg.normalize"); it != meta.end()) {
    bool normalize = it->second == "true" || it->second == "True" || it->second == "1";
    if (normalize != config.normalize_waveform)
      log::warn("[backbones] ", source, ": cfg.normalize=", it->second, " but ", model_name,
                (config.normalize_waveform ? " normalises" : " does not normalise"), " the waveform");
  }
}
}  // namespace

void load_wavlm_weights(WavLMImpl& model, const io::Checkpoint& checkpoint, const std::string& source,
                        const std::string& model_name) {
  WavLMNaming naming;
  io::StateDict tensors = wavlm_canonical_state(checkpoint, source, &naming);
  if (naming == WavLMNaming::unilm) check_unilm_cfg(model.config(), checkpoint, source, model_name);
  nn::load_state_dict(model, tensors, source, model_name);
  log::debug("[backbones] ", source, ": loaded ", tensors.size(), " WavLM tensors (", wavlm_naming_name(naming), " names)");
}

}  // namespace vgs::backbones
