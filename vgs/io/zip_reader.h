// A read-only view of a ZIP archive in memory (the container of torch.save files), torch-free:
// the end-of-central-directory record (ZIP64 included), the central directory and each entry's
// local header are bounds-checked against the buffer; only stored (uncompressed) entries can be
// read, which is all torch.save writes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace vgs::io {

struct ZipEntry {
  std::string name;
  uint16_t flags = 0;           // general purpose bits (bit 0: encrypted)
  uint16_t method = 0;          // 0 = stored, 8 = deflate, ...
  uint64_t size = 0;            // uncompressed size
  uint64_t compressed_size = 0;
  uint64_t local_header = 0;    // offset of the local file header
};

class ZipReader {
 public:
  // Reads the central directory of the archive held in [data, data + size); vgs::Error
  // "<source>: <problem>" for a truncated or malformed archive. The bytes must outlive the reader.
  ZipReader(const uint8_t* data, size_t size, std::string source);

  const std::vector<ZipEntry>& entries() const { return entries_; }
  const ZipEntry* find(const std::string& name) const;  // nullptr when absent

  // The bytes of a stored entry, checked to lie inside the archive; vgs::Error for a compressed or
  // encrypted entry or one whose data runs past the end.
  const uint8_t* contents(const ZipEntry& entry) const;

 private:
  void read_directory(uint64_t offset, uint64_t size, uint64_t count);

  const uint8_t* data_;
  size_t size_;
  std::string source_;
  std::vector<ZipEntry> entries_;
  std::unordered_map<std::string, size_t> index_;  // name -> entries_ position
};

// True when `data` starts with a ZIP local file header ("PK\3\4").
bool looks_like_zip(const uint8_t* data, size_t size);

}  // namespace vgs::io
