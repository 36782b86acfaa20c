// The HDF5 feature store: resumable sharded writing, merging, and reading.
#include "vgs/io/feature_store.h"

#include <ATen/ATen.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "vgs/core/error.h"
#include "vgs/core/fs.h"
#include "vgs/core/log.h"
#include "vgs/core/strings.h"
#include "vgs/core/version.h"
#include "vgs/io/hdf5_util.h"

namespace fs = std::filesystem;

namespace vgs::io {

using hdf5::Handle;

std::string feature_key(const std::string& id) {
  if (id == ".") return "%2E";
  std::string key;
  for (char c : id) {
    if (c == '%') key += "%25";
    else if (c == '/') key += "%2F";
    else key += c;
  }
  return key;
}

std::string feature_id(const std::string& key) {
  if (key == "%2E") return ".";
  std::string id;
  for (size_t i = 0; i < key.size(); ++i) {
    if (key[i] == '%' && key.compare(i, 3, "%25") == 0) id += '%', i += 2;
    else if (key[i] == '%' && key.compare(i, 3, "%2F") == 0) id += '/', i += 2;
    else id += key[i];
  }
  return id;
}

std::string FeatureStoreInfo::mismatch(const FeatureStoreInfo& o) const {
  auto list = [](const std::vector<int64_t>& v) {
    std::vector<std::string> s;
    for (auto x : v) s.push_back(std::to_string(x));
    return "[" + core::join(s, ",") + "]";
  };
  if (backbone != o.backbone) return "backbone: " + backbone + " vs " + o.backbone;
  if (weights_digest != o.weights_digest) return "weights digest: " + weights_digest + " vs " + o.weights_digest;
  if (layers != o.layers) return "layers: " + list(layers) + " vs " + list(o.layers);
  if (sample_rate != o.sample_rate) return "sample rate: " + std::to_string(sample_rate) + " vs " + std::to_string(o.sample_rate);
  if (image_size != o.image_size) return "image size: " + std::to_string(image_size) + " vs " + std::to_string(o.image_size);
  if (image_preprocessing != o.image_preprocessing)
    return "image preprocessing: " + image_preprocessing + " vs " + o.image_preprocessing;
  if (dtype != o.dtype) return "dtype: " + dtype + " vs " + o.dtype;
  if (manifest_digest != o.manifest_digest) return "manifest digest: " + manifest_digest + " vs " + o.manifest_digest;
  return "";
}

namespace {

constexpr const char* kGroup = "features";

void write_info(hid_t file, const FeatureStoreInfo& info) {
  hdf5::write_string_attribute(file, "format", "vgs-feature-store");
  hdf5::write_int_attribute(file, "format_version", 1);
  hdf5::write_string_attribute(file, "backbone", info.backbone);
  hdf5::write_string_attribute(file, "weights_digest", info.weights_digest);
  hdf5::write_int_list_attribute(file, "layers", info.layers);
  hdf5::write_int_attribute(file, "sample_rate", info.sample_rate);
  hdf5::write_int_attribute(file, "image_size", info.image_size);
  hdf5::write_string_attribute(file, "image_preprocessing", info.image_preprocessing);
  hdf5::write_string_attribute(file, "dtype", info.dtype);
  hdf5::write_string_attribute(file, "manifest", info.manifest);
  hdf5::write_string_attribute(file, "manifest_digest", info.manifest_digest);
  hdf5::write_string_attribute(file, "vgs_version", info.vgs_version);
}

// Stores written before vgs recorded the preprocessing say nothing: their images went through
// OpenCV's float bicubic, so an image store without the attribute matches no current setting.
std::string recorded_image_preprocessing(hid_t file, int64_t image_size) {
  if (hdf5::has_attribute(file, "image_preprocessing")) return hdf5::read_string_attribute(file, "image_preprocessing");
  return image_size > 0 ? "(not recorded)" : "";
}

FeatureStoreInfo read_info(hid_t file, const std::string& path) {
  try {
    if (hdf5::read_string_attribute(file, "format") != "vgs-feature-store") throw std::runtime_error("wrong format attribute");
    FeatureStoreInfo info;
    info.backbone = hdf5::read_string_attribute(file, "backbone");
    info.weights_digest = hdf5::read_string_attribute(file, "weights_digest");
    info.layers = hdf5::read_int_list_attribute(file, "layers");
    info.sample_rate = hdf5::read_int_attribute(file, "sample_rate");
    info.image_size = hdf5::read_int_attribute(file, "image_size");
    info.image_preprocessing = recorded_image_preprocessing(file, info.image_size);
    info.dtype = hdf5::read_string_attribute(file, "dtype");
    info.manifest = hdf5::read_string_attribute(file, "manifest");
    info.manifest_digest = hdf5::read_string_attribute(file, "manifest_digest");
    info.vgs_version = hdf5::read_string_attribute(file, "vgs_version");
    return info;
  } catch (const std::runtime_error& e) {
    throw Error(path + ": not a vgs feature store (" + e.what() + ")");
  }
}

Handle open_group(hid_t file, const std::string& path) {
  Handle group(H5Gopen2(file, kGroup, H5P_DEFAULT), H5Gclose);
  if (!group.valid()) throw Error(path + ": not a vgs feature store (no /" + std::string(kGroup) + " group)");
  return group;
}

void write_dataset(hid_t group, const std::string& name, const at::Tensor& features, bool half,
                   const std::string& path) {
  at::Tensor t = features.detach().to(at::kCPU, half ? at::kHalf : at::kFloat).contiguous();
  std::vector<hsize_t> dims(t.sizes().begin(), t.sizes().end());
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
  Handle f16 = hdf5::float16_type();
  hid_t file_type = half ? f16.get() : H5T_IEEE_F32LE;
  hid_t memory_type = half ? f16.get() : H5T_NATIVE_FLOAT;
  Handle dataset(H5Dcreate2(group, name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                 H5Dclose);
  if (!dataset.valid() || H5Dwrite(dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.data_ptr()) < 0)
    throw Error(path + ": cannot write item '" + feature_id(name) + "' (disk full?)");
}

at::Tensor read_dataset(hid_t group, const std::string& name, const std::string& path) {
  Handle dataset(H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!dataset.valid()) throw Error(path + ": cannot open item '" + feature_id(name) + "'");
  Handle space(H5Dget_space(dataset.get()), H5Sclose);
  int rank = H5Sget_simple_extent_ndims(space.get());
  std::vector<hsize_t> dims(static_cast<size_t>(std::max(rank, 0)));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  std::vector<int64_t> sizes(dims.begin(), dims.end());
  Handle type(H5Dget_type(dataset.get()), H5Tclose);
  herr_t status;
  at::Tensor out;
  if (hdf5::is_float16(type.get())) {
    at::Tensor half = at::empty(sizes, at::kHalf);
    Handle f16 = hdf5::float16_type();
    status = H5Dread(dataset.get(), f16.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, half.data_ptr());
    out = half.to(at::kFloat);
  } else {
    out = at::empty(sizes, at::kFloat);
    status = H5Dread(dataset.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data_ptr());
  }
  if (status < 0) throw Error(path + ": cannot read item '" + feature_id(name) + "' (corrupt file?)");
  return out;
}

std::vector<std::string> shard_files(const std::string& parts_dir) {
  std::vector<std::string> shards;
  std::error_code ec;
  if (!fs::is_directory(parts_dir, ec)) return shards;
  for (const auto& entry : fs::directory_iterator(parts_dir)) {
    std::string name = entry.path().filename().string();
    if (core::starts_with(name, "part-") && entry.path().extension() == ".h5") shards.push_back(entry.path().string());
    else if (name.find(".tmp.") != std::string::npos) fs::remove(entry.path(), ec);  // an interrupted shard
  }
  std::sort(shards.begin(), shards.end());
  return shards;
}

}  // namespace

FeatureStoreWriter::FeatureStoreWriter(std::string path, FeatureStoreInfo info, int64_t items_per_shard,
                                       int64_t bytes_per_shard)
    : path_(std::move(path)),
      parts_dir_(path_ + ".parts"),
      lock_(core::FileLock::wait(path_ + ".lock",
                                 [&](int pid) {
                                   log::info("[features] ", path_, ": process ", pid,
                                             " is extracting it; waiting, then its items count as done");
                                 })),
      info_(std::move(info)),
      items_per_shard_(std::max<int64_t>(1, items_per_shard)),
      bytes_per_shard_(bytes_per_shard) {
  if (info_.dtype != "float16" && info_.dtype != "float32")
    throw Error(path_ + ": feature dtype must be float16 or float32, got '" + info_.dtype + "'");
  info_.vgs_version = VGS_VERSION;
  std::lock_guard<std::recursive_mutex> lock(hdf5::library_lock());
  if (fs::exists(path_)) resume_from(path_, false);
  for (const auto& shard : shard_files(parts_dir_)) resume_from(shard, true);
  if (resumed_ > 0) log::info("[features] ", path_, ": resuming, ", resumed_, " items already stored");
}

FeatureStoreWriter::~FeatureStoreWriter() {
  if (finished_ || write_failed_) return;
  try {
    flush();
  } catch (const std::exception& e) {
    log::error("[features] ", path_, ": could not save pending items: ", e.what());
  }
}

void FeatureStoreWriter::resume_from(const std::string& source, bool is_shard) {
  Handle file = hdf5::open_file(source, false);
  if (!file.valid()) {
    if (!is_shard) throw Error(source + ": exists but is not a readable HDF5 file; delete it to extract again");
    log::warn("[features] ", source, ": unreadable shard removed; its items will be extracted again");
    fs::remove(source);
    return;
  }
  FeatureStoreInfo stored = read_info(file.get(), source);
  if (std::string m = info_.mismatch(stored); !m.empty())
    throw Error(source + ": was made with other settings (" + m + "); delete it or choose another path");
  Handle group = open_group(file.get(), source);
  for (const auto& key : hdf5::list_group(group.get())) done_.insert(feature_id(key));
  resumed_ += static_cast<int64_t>(hdf5::list_group(group.get()).size());
  if (is_shard) {
    int64_t index = std::atoll(fs::path(source).stem().string().substr(5).c_str());
    next_shard_ = std::max(next_shard_, index + 1);
  }
}

bool FeatureStoreWriter::contains(const std::string& id) const { return done_.count(id) > 0; }

void FeatureStoreWriter::add(const std::string& id, const at::Tensor& features) {
  if (finished_) throw std::logic_error("feature store: add() after finish()");
  if (!done_.insert(id).second) throw Error(path_ + ": item '" + id + "' is already stored (duplicate id?)");
  if (features.dim() < 1) throw Error(path_ + ": item '" + id + "' has no feature dimension");
  pending_bytes_ += features.numel() * (info_.dtype == "float16" ? 2 : 4);
  pending_.emplace_back(id, features);
  if (static_cast<int64_t>(pending_.size()) >= items_per_shard_ || pending_bytes_ >= bytes_per_shard_) flush();
}

namespace {
// Throws unless `file` is a readable store holding exactly `expected` items: run on every shard and
// merged store before it is renamed into place, so that only whole files ever carry the final name.
void verify_store_file(const std::string& file, int64_t expected, const std::string& label) {
  Handle handle = hdf5::open_file(file, false);
  if (!handle.valid()) throw Error(label + ": the written file does not read back as HDF5 (disk full?)");
  Handle group = open_group(handle.get(), label);
  auto stored = static_cast<int64_t>(hdf5::list_group(group.get()).size());
  if (stored != expected)
    throw Error(label + ": the written file holds " + std::to_string(stored) + " items, not " + std::to_string(expected));
}

}  // namespace

void FeatureStoreWriter::flush() {
  if (pending_.empty()) return;
  std::lock_guard<std::recursive_mutex> lock(hdf5::library_lock());
  fs::create_directories(parts_dir_);
  char name[32];
  std::snprintf(name, sizeof name, "part-%06lld.h5", static_cast<long long>(next_shard_++));
  std::string shard = (fs::path(parts_dir_) / name).string();
  try {
    // Built in memory and written with checked writes: a full disk fails here with the reason.
    Handle file = hdf5::create_memory_file(shard);
    write_info(file.get(), info_);
    Handle group(H5Gcreate2(file.get(), kGroup, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
    for (const auto& [id, tensor] : pending_)
      write_dataset(group.get(), feature_key(id), tensor, info_.dtype == "float16", shard);
    const auto expected = static_cast<int64_t>(pending_.size());
    hdf5::write_memory_file(file.get(), shard, [&](const std::string& temp) { verify_store_file(temp, expected, shard); });
  } catch (...) {
    write_failed_ = true;  // the destructor must not try again and report the same failure twice
    throw;
  }
  pending_.clear();
  pending_bytes_ = 0;
}

namespace {
// The merged store needs about as much room as its shards, plus a margin for HDF5's own records.
int64_t merged_size_bound(const std::vector<std::string>& sources) {
  int64_t bytes = 0;
  std::error_code ec;
  for (const auto& source : sources) bytes += static_cast<int64_t>(fs::file_size(source, ec));
  return bytes + bytes / 20 + (int64_t{1} << 20);
}

// Checking first turns a full disk into a message with the sizes instead of a failed write deep
// inside HDF5.
void require_room_for_merge(int64_t needed, size_t shards, const std::string& path) {
  int64_t free = core::free_bytes(path);
  if (free >= 0 && free < needed)
    throw Error(path + ": merging the feature shards needs about " + std::to_string(needed >> 20) + " MiB but only " +
                std::to_string(free >> 20) + " MiB are free; free some space and run again (the " +
                std::to_string(shards) + " shards done are kept)");
}

// Copies one dataset's bytes as they are (same file type and shape). Not H5Ocopy: HDF5 1.10 crashes
// in it when a write fails, where H5Dwrite returns an error.
void copy_dataset(hid_t from, hid_t to, const std::string& name, const std::string& what) {
  Handle in(H5Dopen2(from, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!in.valid()) throw Error(what + " (cannot open it)");
  Handle type(H5Dget_type(in.get()), H5Tclose), space(H5Dget_space(in.get()), H5Sclose);
  std::vector<char> bytes(static_cast<size_t>(H5Dget_storage_size(in.get())));
  if (!bytes.empty() && H5Dread(in.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()) < 0)
    throw Error(what + " (cannot read it)");
  Handle out(H5Dcreate2(to, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
  if (!out.valid() || (!bytes.empty() && H5Dwrite(out.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()) < 0))
    throw Error(what + " (disk full?)");
}

// Copies every item of `sources` into the new store file `temp`; returns how many.
int64_t merge_into(const std::vector<std::string>& sources, const std::string& temp, const FeatureStoreInfo& info,
                   int64_t size_bound, const std::string& path) {
  Handle out = hdf5::create_file(temp);
  if (!out.valid()) throw Error(path + ": cannot create the merged feature store (disk full?)");
  // Another writer may fill the disk after the check above: the blocks are reserved before the first
  // copy, so that a full disk is found here and not half-way through.
  core::reserve_space(temp, size_bound, path + ": merging the feature shards");
  write_info(out.get(), info);
  Handle group(H5Gcreate2(out.get(), kGroup, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
  int64_t count = 0;
  for (const auto& source : sources) {
    Handle in = hdf5::open_file(source, false);
    if (!in.valid()) throw Error(source + ": cannot reopen while merging");
    Handle in_group = open_group(in.get(), source);
    for (const auto& key : hdf5::list_group(in_group.get())) {
      copy_dataset(in_group.get(), group.get(), key, path + ": cannot copy item '" + feature_id(key) + "' from " + source);
      ++count;
    }
  }
  hdf5::write_int_attribute(out.get(), "num_items", count);
  // Written last: a file without it is never taken for a finished store.
  hdf5::write_int_attribute(out.get(), "complete", 1);
  if (H5Fflush(out.get(), H5F_SCOPE_GLOBAL) < 0) throw Error(path + ": cannot write the merged feature store (disk full?)");
  return count;
}

}  // namespace

void FeatureStoreWriter::finish() {
  if (finished_) return;
  flush();
  std::lock_guard<std::recursive_mutex> lock(hdf5::library_lock());
  std::vector<std::string> sources = shard_files(parts_dir_);
  bool final_exists = fs::exists(path_);
  if (sources.empty() && final_exists) {  // nothing new
    finished_ = true;
    return;
  }
  if (final_exists) sources.insert(sources.begin(), path_);
  const int64_t size_bound = merged_size_bound(sources);
  require_room_for_merge(size_bound, sources.size(), path_);
  std::string temp = core::temp_path_for(path_);
  int64_t count = 0;
  try {
    count = merge_into(sources, temp, info_, size_bound, path_);
  } catch (...) {
    std::error_code ec;
    fs::remove(temp, ec);
    throw;
  }
  core::commit_file(temp, path_, [&](const std::string& file) { verify_store_file(file, count, path_); });
  std::error_code ec;
  fs::remove_all(parts_dir_, ec);
  finished_ = true;
}

struct FeatureStore::FileHandle {
  Handle file, group;
};

FeatureStore::FeatureStore(const std::string& path) : path_(path) {
  std::lock_guard<std::recursive_mutex> lock(hdf5::library_lock());
  if (!fs::exists(path)) {
    if (fs::exists(path + ".parts"))
      throw Error(path + ": unfinished feature store (an extraction was interrupted; run it again to resume)");
    throw Error(path + ": feature store not found");
  }
  file_ = std::make_unique<FileHandle>();
  file_->file = hdf5::open_file(path, false);
  if (!file_->file.valid()) throw Error(path + ": not a readable HDF5 file");
  info_ = read_info(file_->file.get(), path);
  if (!hdf5::has_attribute(file_->file.get(), "complete"))
    throw Error(path + ": unfinished feature store (no 'complete' mark); run the extraction again");
  file_->group = open_group(file_->file.get(), path);
  for (const auto& key : hdf5::list_group(file_->group.get())) ids_.push_back(feature_id(key));
  id_set_.insert(ids_.begin(), ids_.end());
}

FeatureStore::~FeatureStore() {
  std::lock_guard<std::recursive_mutex> lock(hdf5::library_lock());
  file_.reset();
}

FeatureStore::FeatureStore(FeatureStore&&) noexcept = default;

bool FeatureStore::contains(const std::string& id) const { return id_set_.count(id) > 0; }

at::Tensor FeatureStore::read(const std::string& id) const {
  if (!contains(id)) throw Error(path_ + ": no features for item '" + id + "'");
  std::lock_guard<std::recursive_mutex> lock(hdf5::library_lock());
  return read_dataset(file_->group.get(), feature_key(id), path_);
}

}  // namespace vgs::io
