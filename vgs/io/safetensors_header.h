// The torch-free half of the weight readers: the dtypes both formats share, a read-only file
// mapping, and the safetensors header (parsed with every length, offset, dtype and shape checked,
// and formatted byte for byte as the Rust/Python safetensors library writes it). Nothing here
// includes LibTorch, so the fuzz targets in fuzz/ build it with clang alone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace vgs::io {

// The element types vgs reads and writes, named as safetensors names them.
enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL };

const char* dtype_name(DType dtype);       // "F32"
size_t dtype_size(DType dtype);            // bytes per element
bool parse_dtype(const std::string& name, DType& dtype);  // false for a name not listed above

// Text from a file, made safe for a one-line error message: control and non-ASCII bytes escaped
// (\n, \x07), cut after `max_chars` with "...".
std::string printable(const std::string& text, size_t max_chars = 80);

// Strict UTF-8 (no overlong forms, surrogates or code points past U+10FFFF), as names must be.
bool valid_utf8(const uint8_t* begin, const uint8_t* end);

// A whole file mapped read-only (mmap), so that gigabytes of weights are read straight from the
// page cache and only what is used is ever touched.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path);  // vgs::Error naming the file if it cannot be mapped
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

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

// Parses and checks the header of a whole safetensors file held in [data, data + size): the JSON is
// an object of tensors {"dtype", "shape", "data_offsets"} plus an optional "__metadata__" string map;
// the tensors' byte ranges must tile the data exactly (no gap, overlap or trailing bytes) and each
// must hold shape x dtype bytes. Any problem is a vgs::Error "<source>: <problem>".
SafetensorsHeader parse_safetensors_header(const uint8_t* data, size_t size, const std::string& source);

// Lays tensors out as the safetensors library does (largest dtype first, then by name, so that
// every tensor is aligned to its element size), filling in begin/end; returns the header bytes:
// the 8-byte little-endian length, then the JSON padded with spaces to a multiple of 8.
std::string layout_safetensors(std::vector<SafetensorsEntry>& tensors,
                               const std::map<std::string, std::string>& metadata);

}  // namespace vgs::io
