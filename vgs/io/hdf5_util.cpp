// Internal HDF5 helpers: handles, attributes, float16, the library lock.
#include "vgs/io/hdf5_util.h"

#include <stdexcept>
#include <vector>

#include "vgs/core/error.h"
#include "vgs/core/fs.h"

namespace vgs::io::hdf5 {

namespace {
// HDF5 closes files still open at exit from an atexit handler, and a file whose creation failed on a
// full disk crashes it there (H5F__close_cb). vgs closes every handle itself, so the handler is
// turned off; it must happen before the library's first call, hence a static initialiser.
[[maybe_unused]] const bool kNoExitHandler = (H5dont_atexit(), true);
}  // namespace

std::recursive_mutex& library_lock() {
  static std::recursive_mutex lock;
  return lock;
}

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    if (id_ >= 0 && close_) close_(id_);
    id_ = other.id_;
    close_ = other.close_;
    other.id_ = -1;
  }
  return *this;
}

Handle::~Handle() {
  if (id_ >= 0 && close_) close_(id_);
}

void silence_errors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

Handle open_file(const std::string& path, bool writable) {
  silence_errors();
  return Handle(H5Fopen(path.c_str(), writable ? H5F_ACC_RDWR : H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
}

Handle create_file(const std::string& path) {
  silence_errors();
  return Handle(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
}

Handle create_memory_file(const std::string& name) {
  silence_errors();
  Handle access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  // Grows in 4 MiB steps and never touches the disk: write_memory_file() saves it.
  if (!access.valid() || H5Pset_fapl_core(access.get(), size_t{4} << 20, false) < 0)
    throw Error(name + ": cannot set up an in-memory HDF5 file");
  Handle file(H5Fcreate(name.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access.get()), H5Fclose);
  if (!file.valid()) throw Error(name + ": cannot create an in-memory HDF5 file");
  return file;
}

void write_memory_file(hid_t file, const std::string& path,
                       const std::function<void(const std::string& temp)>& verify) {
  if (H5Fflush(file, H5F_SCOPE_GLOBAL) < 0) throw Error(path + ": cannot finish the in-memory HDF5 file");
  ssize_t size = H5Fget_file_image(file, nullptr, 0);
  if (size < 0) throw Error(path + ": cannot get the HDF5 file image");
  std::vector<char> image(static_cast<size_t>(size));
  if (H5Fget_file_image(file, image.data(), image.size()) != size) throw Error(path + ": cannot copy the HDF5 file image");
  core::AtomicFileWriter out(path);
  out.write(image.data(), image.size());
  out.commit(verify);
}

Handle float16_type() {
  hid_t t = H5Tcopy(H5T_IEEE_F32LE);
  H5Tset_fields(t, 15, 10, 5, 0, 10);
  H5Tset_size(t, 2);
  H5Tset_ebias(t, 15);
  return Handle(t, H5Tclose);
}

bool is_float16(hid_t type) { return H5Tget_class(type) == H5T_FLOAT && H5Tget_size(type) == 2; }

namespace {
Handle utf8_string_type() {
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  return Handle(t, H5Tclose);
}

void check(herr_t status, const std::string& what) {
  if (status < 0) throw std::runtime_error("HDF5: " + what + " failed");
}

Handle recreate_attribute(hid_t object, const std::string& name, hid_t type, hid_t space) {
  if (H5Aexists(object, name.c_str()) > 0) H5Adelete(object, name.c_str());
  Handle attribute(H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (!attribute.valid()) throw std::runtime_error("HDF5: cannot create attribute " + name);
  return attribute;
}
}  // namespace

void write_string_attribute(hid_t object, const std::string& name, const std::string& value) {
  Handle type = utf8_string_type();
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attribute = recreate_attribute(object, name, type.get(), space.get());
  const char* text = value.c_str();
  check(H5Awrite(attribute.get(), type.get(), &text), "writing attribute " + name);
}

void write_int_attribute(hid_t object, const std::string& name, int64_t value) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attribute = recreate_attribute(object, name, H5T_STD_I64LE, space.get());
  check(H5Awrite(attribute.get(), H5T_NATIVE_INT64, &value), "writing attribute " + name);
}

void write_int_list_attribute(hid_t object, const std::string& name, const std::vector<int64_t>& values) {
  hsize_t n = values.size();
  Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  Handle attribute = recreate_attribute(object, name, H5T_STD_I64LE, space.get());
  check(H5Awrite(attribute.get(), H5T_NATIVE_INT64, values.data()), "writing attribute " + name);
}

bool has_attribute(hid_t object, const std::string& name) { return H5Aexists(object, name.c_str()) > 0; }

std::string read_string_attribute(hid_t object, const std::string& name) {
  Handle attribute(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose);
  if (!attribute.valid()) throw std::runtime_error("missing attribute '" + name + "'");
  Handle file_type(H5Aget_type(attribute.get()), H5Tclose);
  if (H5Tget_class(file_type.get()) != H5T_STRING) throw std::runtime_error("attribute '" + name + "' is not a string");
  if (H5Tis_variable_str(file_type.get()) > 0) {
    Handle type = utf8_string_type();
    char* text = nullptr;
    check(H5Aread(attribute.get(), type.get(), &text), "reading attribute " + name);
    std::string value = text ? text : "";
    H5free_memory(text);
    return value;
  }
  std::string value(H5Tget_size(file_type.get()), '\0');
  check(H5Aread(attribute.get(), file_type.get(), value.data()), "reading attribute " + name);
  return value.substr(0, value.find('\0'));
}

int64_t read_int_attribute(hid_t object, const std::string& name) {
  std::vector<int64_t> values = read_int_list_attribute(object, name);
  if (values.size() != 1) throw std::runtime_error("attribute '" + name + "' is not a single integer");
  return values[0];
}

std::vector<int64_t> read_int_list_attribute(hid_t object, const std::string& name) {
  Handle attribute(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose);
  if (!attribute.valid()) throw std::runtime_error("missing attribute '" + name + "'");
  Handle space(H5Aget_space(attribute.get()), H5Sclose);
  hssize_t n = H5Sget_simple_extent_npoints(space.get());
  std::vector<int64_t> values(static_cast<size_t>(n));
  check(H5Aread(attribute.get(), H5T_NATIVE_INT64, values.data()), "reading attribute " + name);
  return values;
}

std::vector<std::string> list_group(hid_t group) {
  std::vector<std::string> names;
  H5Literate(
      group, H5_INDEX_NAME, H5_ITER_INC, nullptr,
      [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
        static_cast<std::vector<std::string>*>(data)->emplace_back(name);
        return 0;
      },
      &names);
  return names;
}

}  // namespace vgs::io::hdf5
