// Cached backbone features held in memory for training: every item of a feature store, collated
// into padded batches. (The paper-scale image features, ~25 GB in float16, call for reading from
// the store on demand instead; that is the next step for this class.)
#pragma once

#include <ATen/core/Tensor.h>

#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace vgs::backbones {
struct ExtractionOptions;
struct BackboneRequest;
}  // namespace vgs::backbones

namespace vgs::train {

// The feature store of `backbone` (hidden states `layers`) over a manifest: extracted on first use,
// then reused (run_extraction resumes a partial store and only checks a finished one). Returns its path.
std::string cached_feature_store(const backbones::ExtractionOptions& defaults, const backbones::BackboneRequest& backbone,
                                 const std::vector<int64_t>& layers, const std::string& manifest);

class FeatureBank {
 public:
  explicit FeatureBank(const std::string& store_path);

  bool contains(const std::string& id) const { return features_.count(id) > 0; }
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
  std::unordered_map<std::string, at::Tensor> features_;
  int64_t dim_ = 0, layers_ = 1;
};

}  // namespace vgs::train
