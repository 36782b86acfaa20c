// A whole file mapped read-only (mmap), so that gigabytes of weights are read straight from the
// page cache and only what is used is ever touched. Torch-free.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace vgs::io {

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

}  // namespace vgs::io
