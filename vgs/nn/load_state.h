// Copying a state dict into a torch::nn::Module, with one error that lists every missing,
// unexpected and mis-shaped tensor (not just the first), naming the weights file.
#pragma once

#include <torch/nn/module.h>

#include <functional>
#include <set>
#include <string>

#include "vgs/io/state_dict.h"

namespace vgs::nn {

struct LoadOptions {
  // Module entries that may be absent from the file (e.g. BatchNorm's num_batches_tracked).
  std::function<bool(const std::string&)> optional;
  // File entries to ignore (e.g. a classifier head "fc.*" that the backbone drops).
  std::function<bool(const std::string&)> ignored;
};

// Copies `tensors` (already renamed to the module's names) into `module`'s parameters and
// buffers, converting dtype. Throws vgs::Error "<source>: weights do not match <what>: missing [...];
// unexpected [...]; shape mismatch [name: file (..) vs model (..)]".
void load_state_dict(torch::nn::Module& module, const io::StateDict& tensors, const std::string& source,
                     const std::string& what, const LoadOptions& options = {});

}  // namespace vgs::nn
