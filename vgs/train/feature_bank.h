// Cached backbone features for training and evaluation, collated into padded batches: every item of
// a feature store held in memory, or read from the store when a batch needs it (paper-scale image
// features are ~25 GB in float16), as features.load says.
#pragma once

#include <ATen/core/Tensor.h>

#include <memory>

#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "vgs/io/options.h"

namespace vgs::io {
class FeatureStore;
}  // namespace vgs::io

namespace vgs::backbones {
struct ExtractionOptions;
struct BackboneRequest;
class OnlineFeatures;
}  // namespace vgs::backbones

namespace vgs::train {

// The feature store of `backbone` (hidden states `layers`) over a manifest: extracted on first use,
// then reused (run_extraction resumes a partial store and only checks a finished one). Returns its path.
std::string cached_feature_store(const backbones::ExtractionOptions& defaults, const backbones::BackboneRequest& backbone,
                                 const std::vector<int64_t>& layers, const std::string& manifest);

class FeatureBank;
// The features of a manifest as features.load says: online computes them when needed; otherwise
// the cached store (extracted on first use) held in memory, read from the file (disk), or either by
// its size (auto).
std::unique_ptr<FeatureBank> open_feature_bank(const backbones::ExtractionOptions& defaults,
                                               const backbones::BackboneRequest& backbone,
                                               const std::vector<int64_t>& layers, const std::string& manifest,
                                               const io::FeatureOptions& features);

class FeatureBank {
 public:
  // load: memory, disk, or automatic (memory when the file is at most memory_limit_gb).
  explicit FeatureBank(const std::string& store_path, io::FeatureLoad load = io::FeatureLoad::memory,
                       double memory_limit_gb = 8);
  // Features computed by the backbone when a batch needs them.
  explicit FeatureBank(std::unique_ptr<backbones::OnlineFeatures> online);
  ~FeatureBank();
  bool in_memory() const { return !store_ && !online_; }

  bool contains(const std::string& id) const;
  int64_t dim() const { return dim_; }
  int64_t layers() const { return layers_; }  // 1 for [T, D] items, L for [L, T, D]

  // Per-dimension mean and standard deviation [D] over every frame (and layer) of every item,
  // accumulated in float64.
  std::pair<at::Tensor, at::Tensor> moments() const;

  // The items' features zero-padded along time: [N, T_max, D] (or [N, L, T_max, D]) and the valid
  // lengths [N]; vgs::Error naming the store for an unknown id.
  std::pair<at::Tensor, at::Tensor> collate(const std::vector<std::string>& ids) const;

 private:
  std::string path_;
  // One item from memory or the store (online features are computed a batch at a time instead).
  const at::Tensor& item(const std::string& id, at::Tensor& scratch) const;

  std::unordered_map<std::string, at::Tensor> features_;   // in memory
  std::unique_ptr<io::FeatureStore> store_;                // on disk
  std::unique_ptr<backbones::OnlineFeatures> online_;      // computed
  int64_t dim_ = 0, layers_ = 1;
};

}  // namespace vgs::train
