// Loading speech transformer weights (WavLM, wav2vec 2.0, HuBERT) from any of the public layouts:
// HuggingFace (pytorch_model.bin or model.safetensors, with weight_g/weight_v or
// parametrizations.weight.original0/1, bare or under a "wavlm."/"wav2vec2."/"hubert." prefix),
// torchaudio (wavlm_base_plus.pth: fused in_proj; wav2vec2/hubert: separate projections) and
// fairseq/unilm (WavLM-Base+.pt, hubert_base_ls960.pt: {'cfg', 'model'}), detected from the tensor
// names and renamed to vgs's (HuggingFace's) names.
#pragma once

#include <string>

#include "vgs/io/state_dict.h"

namespace vgs::backbones {

class SpeechTransformerImpl;

enum class SpeechNaming { huggingface, torchaudio, fairseq };
const char* speech_naming_name(SpeechNaming naming);

// Which layout `tensors` use (after stripping a "model.", "wavlm.", "wav2vec2." or "hubert."
// prefix); vgs::Error naming `source` and `family` ("WavLM", ...) when they look like no speech
// transformer checkpoint.
SpeechNaming detect_speech_naming(const io::StateDict& tensors, const std::string& source, const std::string& family);

// The tensors renamed to vgs's names (torchaudio's fused q/k/v split), with training-only and
// head tensors (mask embedding, quantizer, CTC and label heads, ...) left out.
io::StateDict speech_canonical_state(const io::Checkpoint& checkpoint, const std::string& source,
                                     const std::string& family, SpeechNaming* detected = nullptr);

// Renames and copies the weights into `model`; one vgs::Error lists every missing, unexpected or
// mis-shaped tensor, or a fairseq/unilm cfg that contradicts the model's architecture.
// `model_name` names the model in errors ("" = the config's family).
void load_speech_weights(SpeechTransformerImpl& model, const io::Checkpoint& checkpoint, const std::string& source,
                         const std::string& model_name = "");

}  // namespace vgs::backbones
