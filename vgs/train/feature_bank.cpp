// Cached backbone features in memory, collated into padded batches.
#include "vgs/train/feature_bank.h"

#include "vgs/backbones/extraction.h"

#include <torch/torch.h>

#include "vgs/core/error.h"
#include "vgs/io/feature_store.h"

namespace vgs::train {

std::string cached_feature_store(const backbones::ExtractionOptions& defaults, const backbones::BackboneRequest& backbone,
                                 const std::vector<int64_t>& layers, const std::string& manifest) {
  backbones::ExtractionOptions e = defaults;
  e.backbone = backbone;
  e.layers = layers;
  e.manifest = manifest;
  return backbones::run_extraction(e).output;
}

FeatureBank::FeatureBank(const std::string& store_path) : path_(store_path) {
  io::FeatureStore store(store_path);
  for (const auto& id : store.ids()) features_[id] = store.read(id);
  if (features_.empty()) throw Error(store_path + ": the feature store is empty");
  const at::Tensor& any = features_.begin()->second;
  dim_ = any.size(-1);
  layers_ = any.dim() == 3 ? any.size(0) : 1;
}

std::pair<at::Tensor, at::Tensor> FeatureBank::moments() const {
  at::Tensor sum = torch::zeros({dim_}, at::kDouble), squares = torch::zeros({dim_}, at::kDouble);
  int64_t rows = 0;
  for (const auto& [id, t] : features_) {
    at::Tensor x = t.reshape({-1, dim_}).to(at::kDouble);
    sum += x.sum(0);
    squares += x.pow(2).sum(0);
    rows += x.size(0);
  }
  at::Tensor mean = sum / static_cast<double>(rows);
  at::Tensor variance = (squares / static_cast<double>(rows) - mean.pow(2)).clamp_min(0);
  return {mean.to(at::kFloat), variance.sqrt().to(at::kFloat)};
}

std::pair<at::Tensor, at::Tensor> FeatureBank::collate(const std::vector<std::string>& ids) const {
  std::vector<const at::Tensor*> items;
  int64_t longest = 0;
  for (const auto& id : ids) {
    auto it = features_.find(id);
    if (it == features_.end()) throw Error(path_ + ": no features for item '" + id + "' (extract them again?)");
    items.push_back(&it->second);
    longest = std::max(longest, it->second.size(-2));
  }
  const int64_t n = static_cast<int64_t>(items.size());
  at::Tensor batch = layers_ > 1 ? torch::zeros({n, layers_, longest, dim_}) : torch::zeros({n, longest, dim_});
  std::vector<int64_t> lengths;
  for (int64_t i = 0; i < n; ++i) {
    const at::Tensor& t = *items[static_cast<size_t>(i)];
    const int64_t frames = t.size(-2);
    batch[i].narrow(-2, 0, frames).copy_(t);
    lengths.push_back(frames);
  }
  return {batch, torch::tensor(lengths, at::kLong)};
}

}  // namespace vgs::train
