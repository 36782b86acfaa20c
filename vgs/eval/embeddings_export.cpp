// Writing evaluated embeddings to HDF5.
#include "vgs/eval/embeddings_export.h"

#include <hdf5.h>
#include <torch/torch.h>

#include <filesystem>
#include <mutex>

#include "vgs/core/error.h"
#include "vgs/core/fs.h"
#include "vgs/io/hdf5_util.h"

namespace vgs::eval {

namespace {
using io::hdf5::Handle;

Handle create_group(hid_t parent, const std::string& name) {
  return Handle(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
}

void check(bool ok, const std::string& path, const std::string& what) {
  if (!ok) throw Error(path + ": cannot write " + what + " (disk full?)");
}

// Variable-length UTF-8 strings: h5py reads them as str with .asstr(), pandas directly.
void write_strings(hid_t group, const std::string& name, const std::vector<std::string>& values, const std::string& path) {
  std::vector<const char*> pointers;
  for (const auto& v : values) pointers.push_back(v.c_str());
  hsize_t n = values.size();
  Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  Handle dataset(H5Dcreate2(group, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
  check(dataset.valid() && (n == 0 || H5Dwrite(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()) >= 0),
        path, name);
}

void write_items(hid_t parent, const std::string& name, const EmbeddedItems& items, const std::string& path) {
  Handle group = create_group(parent, name);
  at::Tensor e = items.embeddings.defined() ? items.embeddings.to(at::kCPU, at::kFloat).contiguous() : at::zeros({0, 0});
  hsize_t dims[2] = {static_cast<hsize_t>(e.size(0)), static_cast<hsize_t>(e.dim() == 2 ? e.size(1) : 0)};
  Handle space(H5Screate_simple(2, dims, nullptr), H5Sclose);
  Handle dataset(H5Dcreate2(group.get(), "embeddings", H5T_IEEE_F32LE, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
  check(dataset.valid() && (e.numel() == 0 || H5Dwrite(dataset.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, e.data_ptr()) >= 0),
        path, name + "/embeddings");
  write_strings(group.get(), "ids", items.ids, path);
  write_strings(group.get(), "words", items.words, path);
  write_strings(group.get(), "groups", items.groups, path);
  std::vector<uint8_t> novel(items.novel.begin(), items.novel.end());
  hsize_t n = novel.size();
  Handle flag_space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  Handle flags(H5Dcreate2(group.get(), "novel", H5T_STD_U8LE, flag_space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
  check(flags.valid() && (n == 0 || H5Dwrite(flags.get(), H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, novel.data()) >= 0),
        path, name + "/novel");
}
}  // namespace

void export_embeddings(const std::string& path, const std::vector<RunEvaluation>& runs) {
  std::lock_guard<std::recursive_mutex> lock(io::hdf5::library_lock());
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  {
    // Built in memory and saved with checked writes: a full disk is one clear error.
    Handle file = io::hdf5::create_memory_file(path);
    io::hdf5::write_string_attribute(file.get(), "format", "vgs-embeddings");
    Handle root = create_group(file.get(), "runs");
    for (size_t i = 0; i < runs.size(); ++i) {
      Handle group = create_group(root.get(), std::to_string(i));
      io::hdf5::write_string_attribute(group.get(), "name", runs[i].run_name);
      io::hdf5::write_string_attribute(group.get(), "run_dir", runs[i].run_dir);
      io::hdf5::write_string_attribute(group.get(), "checkpoint", runs[i].checkpoint);
      io::hdf5::write_int_attribute(group.get(), "seed", runs[i].seed);
      write_items(group.get(), "audio", runs[i].audio, path);
      write_items(group.get(), "image", runs[i].images, path);
    }
    io::hdf5::write_memory_file(file.get(), path);
  }
}

}  // namespace vgs::eval
