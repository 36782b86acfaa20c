// Reading and writing safetensors files as LibTorch tensors: read memory-mapped with every header
// field checked (vgs/io/safetensors_header.h), written atomically in the layout the Rust/Python
// library writes, so either side opens what the other wrote.
#pragma once

#include <c10/core/ScalarType.h>

#include <map>
#include <string>

#include "vgs/io/dtype.h"
#include "vgs/io/state_dict.h"

namespace vgs::io {

// The tensors (CPU, contiguous, owning their memory) and the "__metadata__" map of a safetensors
// file. vgs::Error "<path>: <problem>" for anything malformed.
Checkpoint read_safetensors(const std::string& path);

// Writes `tensors` (any device or layout: copied to contiguous CPU memory as needed) and
// `metadata` to `path` atomically: a reader sees the old file or the complete new one.
// vgs::Error for a dtype safetensors cannot hold or a failed write.
void write_safetensors(const std::string& path, const StateDict& tensors,
                       const std::map<std::string, std::string>& metadata = {});

// The LibTorch type of a file dtype, and back (vgs::Error naming `what` for one not in DType).
at::ScalarType scalar_type_of(DType dtype);
DType dtype_of(at::ScalarType type, const std::string& what);

}  // namespace vgs::io
