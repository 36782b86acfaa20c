// Internal HDF5 helpers: RAII handles, typed attributes, the float16 file type and a process-wide
// lock (Debian's libhdf5 is not built thread-safe, and loader threads read concurrently).
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace vgs::io::hdf5 {

std::recursive_mutex& library_lock();

// Owns one hid_t and closes it with the matching H5?close.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer close) : id_(id), close_(close) {}
  Handle(Handle&& other) noexcept : id_(other.id_), close_(other.close_) { other.id_ = -1; }
  Handle& operator=(Handle&& other) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle();
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_ = -1;
  Closer close_ = nullptr;
};

// Turns off HDF5's own error printing; failures are reported by vgs with the file name.
void silence_errors();

Handle open_file(const std::string& path, bool writable);  // invalid handle on failure
Handle create_file(const std::string& path);               // truncates

// Small files (feature shards, dumps, exports) are built in memory and then written with checked
// writes, so a full disk is one clear error and never a half-written HDF5 file (whose failed close
// HDF5 does not survive). `name` only labels errors; vgs::Error on failure.
Handle create_memory_file(const std::string& name);
// Saves an in-memory file atomically to `path` (temp file, fsync, `verify` on the temporary file,
// rename); vgs::Error on failure.
void write_memory_file(hid_t file, const std::string& path,
                       const std::function<void(const std::string& temp)>& verify = {});

// IEEE half precision as h5py spells it (numpy float16).
Handle float16_type();
bool is_float16(hid_t type);

void write_string_attribute(hid_t object, const std::string& name, const std::string& value);
void write_int_attribute(hid_t object, const std::string& name, int64_t value);
void write_int_list_attribute(hid_t object, const std::string& name, const std::vector<int64_t>& values);
bool has_attribute(hid_t object, const std::string& name);
std::string read_string_attribute(hid_t object, const std::string& name);
int64_t read_int_attribute(hid_t object, const std::string& name);
std::vector<int64_t> read_int_list_attribute(hid_t object, const std::string& name);

// Names of the links in a group, in HDF5's name order.
std::vector<std::string> list_group(hid_t group);

}  // namespace vgs::io::hdf5
