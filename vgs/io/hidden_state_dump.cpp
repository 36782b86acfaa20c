// Writing hidden-state dumps in HDF5.
#include "vgs/io/hidden_state_dump.h"

#include <ATen/ATen.h>

#include <cstdio>

#include "vgs/core/error.h"
#include "vgs/core/fs.h"
#include "vgs/core/version.h"
#include "vgs/io/hdf5_util.h"

namespace vgs::io {

using hdf5::Handle;

void write_hidden_state_dump(const std::string& path, const std::string& backbone, const std::string& weights_digest,
                             const std::vector<HiddenStates>& items) {
  std::lock_guard<std::recursive_mutex> lock(hdf5::library_lock());
  {
    // Built in memory and saved with checked writes: a full disk is one clear error.
    Handle file = hdf5::create_memory_file(path);
    hdf5::write_string_attribute(file.get(), "format", "vgs-hidden-states");
    hdf5::write_string_attribute(file.get(), "backbone", backbone);
    hdf5::write_string_attribute(file.get(), "weights_digest", weights_digest);
    hdf5::write_string_attribute(file.get(), "vgs_version", VGS_VERSION);
    Handle root(H5Gcreate2(file.get(), "items", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
    for (size_t i = 0; i < items.size(); ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "%06zu", i);
      Handle group(H5Gcreate2(root.get(), name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
      hdf5::write_string_attribute(group.get(), "path", items[i].path);
      for (size_t k = 0; k < items[i].states.size(); ++k) {
        at::Tensor t = items[i].states[k].detach().to(at::kCPU, at::kFloat).contiguous();
        std::vector<hsize_t> dims(t.sizes().begin(), t.sizes().end());
        Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
        std::string dataset_name = "layer_" + std::to_string(items[i].layers[k]);
        Handle dataset(H5Dcreate2(group.get(), dataset_name.c_str(), H5T_IEEE_F32LE, space.get(), H5P_DEFAULT,
                                  H5P_DEFAULT, H5P_DEFAULT),
                       H5Dclose);
        if (!dataset.valid() ||
            H5Dwrite(dataset.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.data_ptr()) < 0)
          throw Error(path + ": cannot write " + dataset_name + " of " + items[i].path + " (disk full?)");
      }
    }
    hdf5::write_memory_file(file.get(), path);
  }
}

}  // namespace vgs::io
