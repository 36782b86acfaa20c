// torch.save checkpoints as LibTorch tensors: the zip archive and the restricted unpickler give
// plain (storage, offset, shape, stride) records, checked; this file maps them onto the archive's
// data records and copies each view out as its own contiguous tensor.
#include "vgs/io/torch_checkpoint.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cstring>

#include "vgs/core/error.h"
#include "vgs/core/log.h"
#include "vgs/core/strings.h"
#include "vgs/io/pickle_reader.h"
#include "vgs/io/safetensors.h"
#include "vgs/io/mapped_file.h"
#include "vgs/io/zip_reader.h"

namespace vgs::io {

namespace {

// The pre-1.6 formats: a tar archive, or a bare pickle stream starting with PROTO.
bool looks_like_legacy_torch(const uint8_t* data, size_t size) {
  if (size >= 262 && std::memcmp(data + 257, "ustar", 5) == 0) return true;
  return size >= 2 && data[0] == 0x80 && data[1] >= 2 && data[1] <= 5;
}

// torch.save names the archive's top folder after the file it wrote ("archive", "model", ...):
// the folder holding data.pkl.
std::string archive_prefix(const ZipReader& zip, const std::string& path) {
  for (const auto& entry : zip.entries()) {
    size_t slash = entry.name.find('/');
    if (slash != std::string::npos && entry.name.compare(slash, std::string::npos, "/data.pkl") == 0)
      return entry.name.substr(0, slash + 1);
  }
  throw Error(path + ": a zip archive but not a torch.save checkpoint (no <folder>/data.pkl in it)");
}

void check_byte_order(const ZipReader& zip, const std::string& prefix, const std::string& path) {
  const ZipEntry* entry = zip.find(prefix + "byteorder");
  if (!entry) return;  // torch < 1.10 did not record it: those files are little-endian
  std::string order(reinterpret_cast<const char*>(zip.contents(*entry)), entry->size);
  if (order != "little") throw Error(path + ": saved on a '" + core::printable(order) + "'-endian machine; vgs reads little-endian files");
}

// Each storage's bytes in the archive, checked to be as long as the pickle says.
class Storages {
 public:
  Storages(const ZipReader& zip, const std::string& prefix, const std::vector<PickledStorage>& storages,
           const std::string& path) {
    for (const auto& storage : storages) {
      const ZipEntry* entry = zip.find(prefix + "data/" + storage.key);
      std::string what = path + ": storage record data/" + core::printable(storage.key);
      if (!entry) throw Error(what + " is missing from the archive");
      uint64_t bytes;
      if (__builtin_mul_overflow(static_cast<uint64_t>(storage.numel), dtype_size(storage.dtype), &bytes) ||
          entry->size < bytes)
        throw Error(what + " holds " + std::to_string(entry->size) + " bytes, less than the " +
                    std::to_string(storage.numel) + " " + dtype_name(storage.dtype) + " elements the pickle says");
      const uint8_t* data = zip.contents(*entry);
      if (storage.dtype == DType::BOOL && std::any_of(data, data + bytes, [](uint8_t b) { return b > 1; }))
        throw Error(what + " is BOOL but holds byte values other than 0 and 1");
      bases_.push_back(base_tensor(data, storage));
    }
  }
  const at::Tensor& operator[](size_t index) const { return bases_[index]; }

 private:
  // A 1-D tensor over the storage: the archive's bytes themselves when suitably aligned (torch
  // aligns records to 64 bytes), else an aligned copy. Only read, to copy views out of.
  static at::Tensor base_tensor(const uint8_t* data, const PickledStorage& storage) {
    auto options = at::TensorOptions().dtype(scalar_type_of(storage.dtype));
    size_t bytes = static_cast<size_t>(storage.numel) * dtype_size(storage.dtype);
    if (reinterpret_cast<uintptr_t>(data) % dtype_size(storage.dtype) == 0)
      return at::from_blob(const_cast<uint8_t*>(data), {storage.numel}, options);
    at::Tensor copy = at::empty({storage.numel}, options);
    if (bytes) std::memcpy(copy.data_ptr(), data, bytes);
    return copy;
  }

  std::vector<at::Tensor> bases_;
};

Checkpoint read_torch_zip(const MappedFile& file) {
  const std::string& path = file.path();
  ZipReader zip(file.data(), file.size(), path);
  std::string prefix = archive_prefix(zip, path);
  check_byte_order(zip, prefix, path);
  const ZipEntry* pickle = zip.find(prefix + "data.pkl");
  PickledCheckpoint pickled = read_torch_pickle(zip.contents(*pickle), pickle->size, path);
  Storages storages(zip, prefix, pickled.storages, path);

  Checkpoint checkpoint;
  for (const auto& t : pickled.tensors) {
    // A copy per view: contiguous, and no longer sharing memory with other views or the file.
    at::Tensor view = storages[t.storage].as_strided(t.shape, t.stride, t.offset);
    checkpoint.tensors.emplace(t.name, view.clone(at::MemoryFormat::Contiguous));
  }
  for (auto& [name, value] : pickled.metadata) checkpoint.metadata.emplace(name, std::move(value));
  log::debug("[io] read ", checkpoint.tensors.size(), " tensors from ", pickled.storages.size(), " storages in ", path);
  return checkpoint;
}

}  // namespace

Checkpoint read_torch_checkpoint(const std::string& path) {
  MappedFile file(path);
  if (!looks_like_zip(file.data(), file.size()))
    throw Error(path + ": not a torch.save zip archive");
  return read_torch_zip(file);
}

Checkpoint read_checkpoint(const std::string& path) {
  MappedFile file(path);
  const uint8_t* data = file.data();
  size_t size = file.size();
  if (size == 0) throw Error(path + ": empty file, not a weights file");
  if (looks_like_zip(data, size)) return read_torch_zip(file);
  if (size >= 9 && data[8] == '{') return read_safetensors(path);
  if (looks_like_legacy_torch(data, size))
    throw Error(path + ": legacy torch.save format, re-save with torch>=1.6 (torch.save(torch.load(f), f))");
  throw Error(path + ": neither a safetensors file nor a torch.save checkpoint");
}

}  // namespace vgs::io
