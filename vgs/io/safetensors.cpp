// safetensors as LibTorch tensors: tensors built from the checked header over the mapped file,
// and the atomic writer.
#include "vgs/io/safetensors.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "vgs/core/error.h"
#include "vgs/core/fs.h"
#include "vgs/core/log.h"
#include "vgs/core/strings.h"
#include "vgs/io/mapped_file.h"
#include "vgs/io/safetensors_header.h"

namespace vgs::io {

// Both formats store little-endian bytes, copied into tensors as they are.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "vgs reads weights on little-endian machines only");

namespace {

// Bytes of a bool tensor must be 0 or 1: anything else is undefined behaviour in LibTorch's kernels.
void check_bool_bytes(const uint8_t* data, size_t size, const std::string& what) {
  if (std::any_of(data, data + size, [](uint8_t b) { return b > 1; }))
    throw Error(what + " is BOOL but holds byte values other than 0 and 1");
}

at::Tensor tensor_from_bytes(const SafetensorsEntry& entry, const uint8_t* bytes, const std::string& path) {
  if (entry.dtype == DType::BOOL) check_bool_bytes(bytes, entry.end - entry.begin, path + ": tensor '" + core::printable(entry.name) + "'");
  at::Tensor tensor = at::empty(entry.shape, at::TensorOptions().dtype(scalar_type_of(entry.dtype)));
  if (entry.end > entry.begin) std::memcpy(tensor.data_ptr(), bytes, entry.end - entry.begin);
  return tensor;
}

}  // namespace

at::ScalarType scalar_type_of(DType dtype) {
  switch (dtype) {
    case DType::F64: return at::kDouble;
    case DType::F32: return at::kFloat;
    case DType::F16: return at::kHalf;
    case DType::BF16: return at::kBFloat16;
    case DType::I64: return at::kLong;
    case DType::I32: return at::kInt;
    case DType::I16: return at::kShort;
    case DType::I8: return at::kChar;
    case DType::U8: return at::kByte;
    case DType::BOOL: return at::kBool;
  }
  throw Error("unknown dtype");
}

DType dtype_of(at::ScalarType type, const std::string& what) {
  for (DType d : {DType::F64, DType::F32, DType::F16, DType::BF16, DType::I64, DType::I32, DType::I16, DType::I8,
                  DType::U8, DType::BOOL})
    if (scalar_type_of(d) == type) return d;
  throw Error(what + " has dtype " + std::string(c10::toString(type)) +
              ", which vgs does not store (F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL)");
}

Checkpoint read_safetensors(const std::string& path) {
  MappedFile file(path);
  SafetensorsHeader header = parse_safetensors_header(file.data(), file.size(), path);
  Checkpoint checkpoint;
  checkpoint.metadata = std::move(header.metadata);
  const uint8_t* data = file.data() + header.data_start;
  for (const auto& entry : header.tensors)
    checkpoint.tensors.emplace(entry.name, tensor_from_bytes(entry, data + entry.begin, path));
  log::debug("[io] read ", checkpoint.tensors.size(), " tensors from ", path);
  return checkpoint;
}

void write_safetensors(const std::string& path, const StateDict& tensors, const std::map<std::string, std::string>& metadata) {
  std::vector<SafetensorsEntry> entries;
  std::map<std::string, at::Tensor> contiguous;
  for (const auto& [name, tensor] : tensors) {
    std::string what = path + ": tensor '" + core::printable(name) + "'";
    if (name == "__metadata__") throw Error(what + ": the name is reserved for the metadata map");
    if (!tensor.defined()) throw Error(what + " is undefined");
    if (tensor.layout() != at::kStrided) throw Error(what + " is not a dense tensor");
    SafetensorsEntry entry;
    entry.name = name;
    entry.dtype = dtype_of(tensor.scalar_type(), what);
    entry.shape = tensor.sizes().vec();
    entries.push_back(std::move(entry));
    // A negative view (torch._neg_view) keeps its sign in a flag, not in memory: resolve it.
    contiguous.emplace(name, tensor.cpu().resolve_neg().contiguous());
  }
  std::string header = layout_safetensors(entries, metadata);

  // Written straight to the temporary file (not through a string: weights can be gigabytes),
  // then renamed into place.
  core::AtomicFileWriter out(path);
  out.write(header);
  for (const auto& entry : entries) {
    if (entry.end > entry.begin) out.write(contiguous.at(entry.name).data_ptr(), entry.end - entry.begin);
  }
  out.commit();
  log::debug("[io] wrote ", entries.size(), " tensors to ", path);
}

}  // namespace vgs::io
