// The element types of weight files (safetensors and torch.save alike), named as safetensors names
// them. Torch-free, so that the fuzz targets in fuzz/ build it with clang alone.
#pragma once

#include <cstddef>
#include <string>

namespace vgs::io {

// The element types vgs reads and writes.
enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL };

const char* dtype_name(DType dtype);       // "F32"
size_t dtype_size(DType dtype);            // bytes per element
bool parse_dtype(const std::string& name, DType& dtype);  // false for a name not listed above

// The dtype's place in the Rust safetensors library's Dtype enum: its writer lays tensors out by
// this rank, highest first, and vgs writes the same bytes.
int dtype_rank(DType dtype);

}  // namespace vgs::io
