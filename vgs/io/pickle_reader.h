// A restricted unpickler for the data.pkl of torch.save files, written from scratch and torch-free:
// it understands the opcodes CPython's pickle emits for (nested) state dicts and the handful of
// globals they reference (collections.OrderedDict, torch._utils._rebuild_tensor_v2 and
// _rebuild_parameter, the torch.<X>Storage types), plus the configuration objects fairseq
// checkpoints carry beside the weights: an argparse.Namespace becomes a dict of its attributes, an
// omegaconf DictConfig (its omegaconf classes, typing.Any, builtin types, collections.defaultdict)
// an inert object that is left out of the result. Every other global is refused before
// anything could run; no code is ever executed. The result is plain data: tensors as (storage,
// offset, shape, stride) over storages named by their archive key, with nested dicts flattened by '.'.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "vgs/io/dtype.h"

namespace vgs::io {

// A storage: the archive record "data/<key>", holding `numel` elements of `dtype`.
struct PickledStorage {
  std::string key;
  DType dtype = DType::F32;
  int64_t numel = 0;
  std::string location;  // "cpu", "cuda:0", ...: ignored, everything loads on the CPU
};

// A tensor viewing storages[storage]: element (i, j, ...) is at offset + i*stride[0] + j*stride[1]...
// (in elements). Checked: shape and stride have one length, no negative value, and every element
// lies inside the storage.
struct PickledTensor {
  std::string name;  // flattened: "model.encoder.layers.0.weight"
  size_t storage = 0;
  int64_t offset = 0;
  std::vector<int64_t> shape, stride;
};

struct PickledCheckpoint {
  std::vector<PickledStorage> storages;
  std::vector<PickledTensor> tensors;
  // Non-tensor leaves, flattened like tensors, as text: "12", "0.1", "gelu", "true", "None",
  // lists and tuples as "[1, 2]" (strings inside quoted: "['a', 'b']").
  std::vector<std::pair<std::string, std::string>> metadata;
};

// Unpickles [data, data + size) and flattens the result. The top level must be a dict (or list) of
// tensors and plain values; vgs::Error "<source>: <problem>" for a refused global, a malformed or
// truncated pickle, an unsupported opcode, or tensors that do not fit their storages.
PickledCheckpoint read_torch_pickle(const uint8_t* data, size_t size, const std::string& source);

// Python's repr() of a float, e.g. 0.1 -> "0.1", 1.0 -> "1.0", 1e-05 -> "1e-05".
std::string python_float_repr(double value);

}  // namespace vgs::io
