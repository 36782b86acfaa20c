// Representations of models vgs does not run (BERT, FaST-VGS+, a vision transformer), brought to
// vgs-analyze as one HDF5 file per model, written by a few lines of h5py (docs/analysis.md):
//   /            attrs: format = "vgs-representations", model = a display name
//   /ids         strings [N]: the manifest ids of the items, in row order
//   /layer_<l>   float [N, D_l]: one pooled vector per item for layer l = 0, 1, ... (no gaps)
#pragma once

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

namespace vgs::io {

struct RepresentationsFile {
  std::string model;
  std::vector<std::string> ids;
  std::vector<at::Tensor> layers;  // each [N, D_l] float64
};

// vgs::Error naming the file and what is wrong (not HDF5, wrong format attribute, no layers, a
// layer whose rows differ from the ids).
RepresentationsFile read_representations(const std::string& path);

}  // namespace vgs::io
