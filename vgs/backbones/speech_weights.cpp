// Loading speech transformer weights from the HuggingFace, torchaudio and fairseq/unilm layouts.
#include "vgs/backbones/speech_weights.h"

#include <torch/torch.h>

#include <regex>
#include <utility>
#include <vector>

#include "vgs/backbones/speech_transformer.h"
#include "vgs/core/error.h"
#include "vgs/core/log.h"
#include "vgs/core/strings.h"
#include "vgs/nn/load_state.h"

namespace vgs::backbones {

namespace {

using Rule = std::pair<std::regex, std::string>;

// Ordered rewrite rules; the first that matches a name applies. unilm's WavLM keeps fairseq's
// wav2vec 2.0 names (HuBERT too), plus the gated relative bias.
const std::vector<Rule>& fairseq_rules() {
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

// Tensors a frozen extractor never uses: masking embeddings, quantizers and task heads.
bool is_speech_tensor(const std::string& name) {
  return core::starts_with(name, "feature_extractor.") || core::starts_with(name, "feature_projection.") ||
         core::starts_with(name, "encoder.");
}

// Drops a prefix every tensor carries: "model." (fairseq's {'cfg','model'}) or "wavlm.", "wav2vec2.",
// "hubert." (transformers' *ForCTC, Wav2Vec2ForPreTraining and friends).
io::StateDict strip_prefix(const io::StateDict& tensors) {
  for (const std::string prefix : {"model.", "wavlm.", "wav2vec2.", "hubert."}) {
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

const char* speech_naming_name(SpeechNaming naming) {
  switch (naming) {
    case SpeechNaming::huggingface: return "HuggingFace";
    case SpeechNaming::torchaudio: return "torchaudio";
    case SpeechNaming::fairseq: return "fairseq/unilm";
  }
  return "?";
}

SpeechNaming detect_speech_naming(const io::StateDict& raw, const std::string& source, const std::string& family) {
  io::StateDict tensors = strip_prefix(raw);
  bool hf = false, torchaudio = false, fairseq = false;
  for (const auto& [name, t] : tensors) {
    torchaudio = torchaudio || core::starts_with(name, "encoder.transformer.");
    fairseq = fairseq || core::starts_with(name, "post_extract_proj.") || name.find(".self_attn.") != std::string::npos;
    hf = hf || core::starts_with(name, "feature_projection.") || name.find(".attention.q_proj.") != std::string::npos;
  }
  if (torchaudio) return SpeechNaming::torchaudio;
  if (fairseq) return SpeechNaming::fairseq;
  if (hf) return SpeechNaming::huggingface;
  throw Error(source + ": no " + family + " tensors found (expected HuggingFace, torchaudio or fairseq names such as "
                       "'encoder.layers.0.attention.q_proj.weight')");
}

io::StateDict speech_canonical_state(const io::Checkpoint& checkpoint, const std::string& source,
                                     const std::string& family, SpeechNaming* detected) {
  SpeechNaming naming = detect_speech_naming(checkpoint.tensors, source, family);
  if (detected) *detected = naming;
  io::StateDict out;
  for (const auto& [raw_name, tensor] : strip_prefix(checkpoint.tensors)) {
    std::string name = weight_norm_name(raw_name);
    if (naming == SpeechNaming::fairseq) name = apply_rules(name, fairseq_rules());
    if (naming == SpeechNaming::torchaudio) {
      static const std::regex fused(R"(^encoder\.transformer\.layers\.(\d+)\.attention\.attention\.in_proj_(weight|bias)$)");
      std::smatch m;
      if (std::regex_match(name, m, fused)) {
        // torchaudio's WavLM fuses q, k and v (in that order) into one projection.
        auto parts = tensor.chunk(3, 0);
        const std::string stem = "encoder.layers." + m[1].str() + ".attention.";
        out[stem + "q_proj." + m[2].str()] = parts[0];
        out[stem + "k_proj." + m[2].str()] = parts[1];
        out[stem + "v_proj." + m[2].str()] = parts[2];
        continue;
      }
      name = apply_rules(name, torchaudio_rules());
    }
    if (is_speech_tensor(name)) out[name] = tensor;
  }
  return out;
}

namespace {
// A cfg entry of a fairseq checkpoint: unilm's WavLM keeps it flat (cfg.X), fairseq's hydra
// checkpoints (HuBERT) under cfg.model.X, older fairseq ones (wav2vec_small.pt) in the
// argparse.Namespace under 'args' (args.X; the weights reader keeps its attributes).
const std::string* cfg_value(const io::Checkpoint& checkpoint, const std::string& key) {
  for (const std::string prefix : {"cfg.", "cfg.model.", "args."})
    if (auto it = checkpoint.metadata.find(prefix + key); it != checkpoint.metadata.end()) return &it->second;
  return nullptr;
}

bool is_true(const std::string& value) { return value == "true" || value == "True" || value == "1"; }

// fairseq checkpoints carry their architecture; refuse one that contradicts the model built.
void check_fairseq_cfg(const SpeechTransformerConfig& config, const io::Checkpoint& checkpoint, const std::string& source,
                       const std::string& model_name) {
  if (const std::string* v = cfg_value(checkpoint, "layer_norm_first"); v && is_true(*v) != config.stable_layer_norm)
    throw Error(source + ": the checkpoint's cfg says layer_norm_first=" + *v + " but " + model_name + " is " +
                (config.stable_layer_norm ? "pre-LN" : "post-LN") + " (Large is pre-LN, Base and Base+ post-LN)");
  if (const std::string* v = cfg_value(checkpoint, "encoder_layers"); v && *v != std::to_string(config.num_layers))
    throw Error(source + ": the checkpoint has " + *v + " layers but " + model_name + " has " +
                std::to_string(config.num_layers));
  if (const std::string* v = cfg_value(checkpoint, "normalize"); v && is_true(*v) != config.normalize_waveform)
    log::warn("[backbones] ", source, ": cfg.normalize=", *v, " but ", model_name,
              (config.normalize_waveform ? " normalises" : " does not normalise"), " the waveform");
}
}  // namespace

void load_speech_weights(SpeechTransformerImpl& model, const io::Checkpoint& checkpoint, const std::string& source,
                         const std::string& model_name) {
  const std::string& family = model.config().family;
  const std::string& name = model_name.empty() ? family : model_name;
  SpeechNaming naming;
  io::StateDict tensors = speech_canonical_state(checkpoint, source, family, &naming);
  if (naming == SpeechNaming::fairseq) check_fairseq_cfg(model.config(), checkpoint, source, name);
  nn::load_state_dict(model, tensors, source, name);
  log::debug("[backbones] ", source, ": loaded ", tensors.size(), " ", family, " tensors (", speech_naming_name(naming), " names)");
}

}  // namespace vgs::backbones
