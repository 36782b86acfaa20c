// Loading GroupViT image-encoder weights from its two public layouts, detected from the tensor names:
// the official NVlabs .pth ({'model': state_dict}: img_encoder.*, img_projector.*, fused qkv, Conv1d
// projector weights [out, in, 1]) and HuggingFace's nvidia/groupvit-* (vision_model.*,
// visual_projection.*; safetensors or a torch.save state dict). Text-side tensors are ignored.
#pragma once

#include <string>

#include "vgs/io/state_dict.h"

namespace vgs::backbones {

class GroupViTImpl;

enum class GroupViTNaming { nvlabs, huggingface };
const char* groupvit_naming_name(GroupViTNaming naming);

// Which layout `tensors` use; vgs::Error naming `source` when they look like neither.
GroupViTNaming detect_groupvit_naming(const io::StateDict& tensors, const std::string& source);

// The image-side tensors renamed to vgs's (HF's, without "vision_model.") names: NVlabs' fused qkv
// split into q/k/v, Conv1d weights squeezed to Linear ones; text-side tensors dropped, anything else
// kept under its own name so that loading reports it as unexpected.
io::StateDict groupvit_canonical_state(const io::StateDict& tensors, const std::string& source,
                                       GroupViTNaming* detected = nullptr);

// Renames and copies the weights into `model`; one vgs::Error names `source` and lists every missing,
// unexpected or mis-shaped tensor (in vgs's names).
void load_groupvit_weights(GroupViTImpl& model, const io::StateDict& tensors, const std::string& source);

}  // namespace vgs::backbones
