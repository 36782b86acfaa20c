// A state dict: tensor name -> CPU tensor, as stored in a weights file (safetensors or torch.save).
// Nested dictionaries in a checkpoint are flattened with '.' ("model.encoder.layers.0...").
#pragma once

#include <ATen/core/Tensor.h>

#include <map>
#include <string>

namespace vgs::io {

using StateDict = std::map<std::string, at::Tensor>;

// A weights file's tensors plus its non-tensor leaves (unilm's 'cfg', safetensors' __metadata__),
// flattened the same way, each as text: "12", "true", "None", "gelu", "0.1".
struct Checkpoint {
  StateDict tensors;
  std::map<std::string, std::string> metadata;
};

}  // namespace vgs::io
