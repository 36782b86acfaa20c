// Loading WavLM weights from any of the public layouts: HuggingFace (pytorch_model.bin or
// model.safetensors, with weight_g/weight_v or parametrizations.weight.original0/1), torchaudio
// (wavlm_base_plus.pth: fused in_proj) and unilm (WavLM-Base+.pt: {'cfg', 'model'}), detected from
// the tensor names and renamed to vgs's (HuggingFace's) names.
#pragma once

#include <string>

#include "vgs/io/state_dict.h"

namespace vgs::backbones {

class WavLMImpl;

enum class WavLMNaming { huggingface, torchaudio, unilm };
const char* wavlm_naming_name(WavLMNaming naming);

// Which layout `tensors` use (after stripping a "model." or "wavlm." prefix); vgs::Error naming
// `source` when they look like no WavLM checkpoint.
WavLMNaming detect_wavlm_naming(const io::StateDict& tensors, const std::string& source);

// The tensors renamed to vgs's names (torchaudio's fused q/k/v split), with training-only and
// head tensors (mask embedding, CTC heads, ...) left out.
io::StateDict wavlm_canonical_state(const io::Checkpoint& checkpoint, const std::string& source,
                                    WavLMNaming* detected = nullptr);

// Renames and copies the weights into `model`; one vgs::Error lists every missing, unexpected or
// mis-shaped tensor, or a unilm cfg that contradicts the model's architecture.
void load_wavlm_weights(WavLMImpl& model, const io::Checkpoint& checkpoint, const std::string& source,
                        const std::string& model_name = "WavLM");

}  // namespace vgs::backbones
