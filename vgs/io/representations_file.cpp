// Reading the representations files of other models (see representations_file.h).
#include "vgs/io/representations_file.h"

#include <hdf5.h>
#include <torch/torch.h>

#include <filesystem>
#include <mutex>

#include "vgs/core/error.h"
#include "vgs/io/hdf5_util.h"

namespace vgs::io {

namespace {
using hdf5::Handle;

std::vector<std::string> read_strings(hid_t file, const std::string& path) {
  Handle dataset(H5Dopen2(file, "ids", H5P_DEFAULT), H5Dclose);
  if (!dataset.valid()) throw Error(path + ": no /ids dataset (the manifest ids of the rows)");
  Handle space(H5Dget_space(dataset.get()), H5Sclose);
  if (H5Sget_simple_extent_ndims(space.get()) != 1) throw Error(path + ": /ids must be one-dimensional");
  hsize_t n = 0;
  H5Sget_simple_extent_dims(space.get(), &n, nullptr);
  Handle stored(H5Dget_type(dataset.get()), H5Tclose);
  if (H5Tget_class(stored.get()) != H5T_STRING || !H5Tis_variable_str(stored.get()))
    throw Error(path + ": /ids must hold variable-length strings (h5py.string_dtype())");
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  std::vector<char*> raw(n, nullptr);
  if (n > 0 && H5Dread(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()) < 0)
    throw Error(path + ": cannot read /ids");
  std::vector<std::string> ids(raw.begin(), raw.end());
  H5Dvlen_reclaim(type.get(), space.get(), H5P_DEFAULT, raw.data());
  return ids;
}

// layer_<l> as [N, D] float64, or an undefined tensor when the file has no such layer.
at::Tensor read_layer(hid_t file, int64_t layer, int64_t rows, const std::string& path) {
  const std::string name = "layer_" + std::to_string(layer);
  if (H5Lexists(file, name.c_str(), H5P_DEFAULT) <= 0) return {};
  Handle dataset(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose);
  Handle space(H5Dget_space(dataset.get()), H5Sclose);
  hsize_t dims[2] = {0, 0};
  if (!dataset.valid() || H5Sget_simple_extent_ndims(space.get()) != 2)
    throw Error(path + ": /" + name + " must be a 2-d dataset [items, features]");
  H5Sget_simple_extent_dims(space.get(), dims, nullptr);
  if (static_cast<int64_t>(dims[0]) != rows)
    throw Error(path + ": /" + name + " has " + std::to_string(dims[0]) + " rows for " + std::to_string(rows) + " ids");
  at::Tensor out = torch::empty({rows, static_cast<int64_t>(dims[1])}, torch::kFloat64);
  if (out.numel() > 0 && H5Dread(dataset.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data_ptr()) < 0)
    throw Error(path + ": cannot read /" + name + " as numbers");
  return out;
}
}  // namespace

RepresentationsFile read_representations(const std::string& path) {
  std::lock_guard<std::recursive_mutex> lock(hdf5::library_lock());
  hdf5::silence_errors();
  if (!std::filesystem::exists(path)) throw Error(path + ": not found");
  Handle file = hdf5::open_file(path, false);
  if (!file.valid()) throw Error(path + ": not an HDF5 file");
  if (!hdf5::has_attribute(file.get(), "format") || hdf5::read_string_attribute(file.get(), "format") != "vgs-representations")
    throw Error(path + ": the root attribute format must be \"vgs-representations\" (docs/analysis.md)");
  RepresentationsFile out;
  out.model = hdf5::has_attribute(file.get(), "model") ? hdf5::read_string_attribute(file.get(), "model")
                                                      : std::filesystem::path(path).stem().string();
  out.ids = read_strings(file.get(), path);
  const auto rows = static_cast<int64_t>(out.ids.size());
  for (int64_t l = 0;; ++l) {
    at::Tensor layer = read_layer(file.get(), l, rows, path);
    if (!layer.defined()) break;
    out.layers.push_back(layer);
  }
  if (out.layers.empty()) throw Error(path + ": no /layer_0 dataset (layers are layer_0, layer_1, ...)");
  return out;
}

}  // namespace vgs::io
