// The safetensors header, torch-free: parsed with every length, offset, dtype and shape checked,
// and formatted byte for byte as the Rust/Python safetensors library writes it. Nothing here
// includes LibTorch, so the fuzz targets in fuzz/ build it with clang alone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "vgs/io/dtype.h"

namespace vgs::io {

struct SafetensorsEntry {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;  // byte range relative to the start of the data (after the header)
};

struct SafetensorsHeader {
  std::vector<SafetensorsEntry> tensors;  // in file order (by data offset)
  std::map<std::string, std::string> metadata;  // "__metadata__"
  uint64_t data_start = 0;                // 8 + header length
};

// Largest header accepted (the Rust library's limit): a bigger one is a corrupt or hostile file.
constexpr uint64_t kMaxSafetensorsHeader = 100'000'000;

// Parses and checks the header of a whole safetensors file held in [data, data + size): the JSON
// (strict UTF-8, no name twice) is an object of tensors {"dtype", "shape", "data_offsets"} plus an
// optional "__metadata__" string map; the tensors' byte ranges must tile the data exactly (no
// gap, overlap or trailing bytes) and each must hold shape x dtype bytes. Any problem is a
// vgs::Error "<source>: <problem>".
SafetensorsHeader parse_safetensors_header(const uint8_t* data, size_t size, const std::string& source);

// Lays tensors out as the safetensors library does (largest dtype first, then by name, so that
// every tensor is aligned to its element size), filling in begin/end; returns the header bytes:
// the 8-byte little-endian length, then the JSON padded with spaces to a multiple of 8.
// vgs::Error for a name or metadata text that is not valid UTF-8 (JSON cannot hold it).
std::string layout_safetensors(std::vector<SafetensorsEntry>& tensors,
                               const std::map<std::string, std::string>& metadata);

}  // namespace vgs::io
