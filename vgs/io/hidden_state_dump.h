// Dumps of every hidden state of a backbone for a list of input files, in HDF5, for analysis
// (layerwise probes, CKA) and for parity checks against other implementations. Layout:
//   /            attrs: format = "vgs-hidden-states", backbone, weights_digest, vgs_version
//   /items/NNNNNN      one group per input, in input order; attr: path
//       layer_<l>      float32 [T, D]: hidden state l (0 = the input to the first layer)
#pragma once

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

namespace vgs::io {

struct HiddenStates {
  std::string path;                 // the input file
  std::vector<int64_t> layers;      // layer indices, parallel to `states`
  std::vector<at::Tensor> states;   // each [T, D]
};

// Writes the dump atomically (temp file + rename).
void write_hidden_state_dump(const std::string& path, const std::string& backbone, const std::string& weights_digest,
                             const std::vector<HiddenStates>& items);

}  // namespace vgs::io
