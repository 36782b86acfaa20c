// The feature store: cached backbone features in HDF5, one file per (backbone, layers, manifest).
// Each item's tensor ([T, D], or [L, T, D] for several layers) lives at /features/<id> in float16 or
// float32; root attributes record how the features were made (docs/formats.md has the layout).
//
// Writing is resumable: finished items go into shard files under "<path>.parts/" (each written to a
// temporary name and renamed, so a shard on disk is always whole); finish() merges them into
// <path> the same way and marks it complete. An interrupted extraction restarts where it stopped, and
// an unfinished store is never mistaken for a finished one.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "vgs/core/fs.h"

namespace vgs::io {

struct FeatureStoreInfo {
  std::string backbone;          // registry name, e.g. "wavlm_base_plus"
  std::string weights_digest;    // core::file_digest of the weights ("" for weight-free front ends)
  std::vector<int64_t> layers;   // backbone layers stored, in order
  int64_t sample_rate = 0;       // audio backbones
  int64_t image_size = 0;        // image backbones
  // image backbones: io::describe_image_preprocessing of the image options ("" for audio)
  std::string image_preprocessing;
  std::string dtype = "float16"; // "float16" or "float32"
  std::string manifest;          // manifest path the items come from
  std::string manifest_digest;
  std::string vgs_version;       // filled in by the writer

  // The first field that differs from `other` ("backbone: a vs b"), or "" when compatible.
  // vgs_version and manifest path may differ (a store can move and outlive a release).
  std::string mismatch(const FeatureStoreInfo& other) const;
};

class FeatureStoreWriter {
 public:
  // Opens or resumes the store at `path`. Items of a complete store or of shards left by an
  // interrupted run count as done. Throws vgs::Error when they were made with other settings.
  // One writer per store: a second process extracting the same store (another job on the same
  // data) waits for the first, then finds its items done.
  FeatureStoreWriter(std::string path, FeatureStoreInfo info, int64_t items_per_shard = 256,
                     int64_t bytes_per_shard = int64_t{256} << 20);
  ~FeatureStoreWriter();  // flushes a pending shard so that work done is not lost

  bool contains(const std::string& id) const;
  int64_t done_count() const { return static_cast<int64_t>(done_.size()); }
  int64_t resumed_count() const { return resumed_; }

  // Queues one item ([T, D] or [L, T, D]); writes a shard when enough is queued.
  void add(const std::string& id, const at::Tensor& features);
  // Writes the pending shard now.
  void flush();
  // Flushes, merges everything into `path` (atomically) and removes the shards.
  void finish();

 private:
  void resume_from(const std::string& source, bool is_shard);
  std::string path_, parts_dir_;
  core::FileLock lock_;
  FeatureStoreInfo info_;
  int64_t items_per_shard_, bytes_per_shard_;
  std::set<std::string> done_;
  std::vector<std::pair<std::string, at::Tensor>> pending_;
  int64_t pending_bytes_ = 0, resumed_ = 0, next_shard_ = 0;
  bool finished_ = false, write_failed_ = false;
};

class FeatureStore {
 public:
  // Opens a complete store; vgs::Error for a missing, unfinished or foreign file.
  explicit FeatureStore(const std::string& path);
  ~FeatureStore();
  FeatureStore(FeatureStore&&) noexcept;

  const FeatureStoreInfo& info() const { return info_; }
  const std::vector<std::string>& ids() const { return ids_; }
  bool contains(const std::string& id) const;
  int64_t size() const { return static_cast<int64_t>(ids_.size()); }
  // The item's features as float32 on the CPU; vgs::Error naming the id when absent.
  at::Tensor read(const std::string& id) const;

 private:
  std::string path_;
  FeatureStoreInfo info_;
  std::vector<std::string> ids_;
  std::set<std::string> id_set_;
  struct FileHandle;
  std::unique_ptr<FileHandle> file_;
};

// Item ids become HDF5 link names: '%' -> "%25", '/' -> "%2F" (and "." -> "%2E").
std::string feature_key(const std::string& id);
std::string feature_id(const std::string& key);

}  // namespace vgs::io
