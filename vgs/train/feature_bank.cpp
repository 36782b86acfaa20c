// Cached backbone features in memory, collated into padded batches.
#include "vgs/train/feature_bank.h"

#include "vgs/backbones/extraction.h"

#include <torch/torch.h>

#include <filesystem>

#include "vgs/core/error.h"
#include "vgs/core/log.h"
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

FeatureBank::FeatureBank(const std::string& store_path, io::FeatureLoad load, double memory_limit_gb)
    : path_(store_path) {
  auto store = std::make_unique<io::FeatureStore>(store_path);
  if (store->size() == 0) throw Error(store_path + ": the feature store is empty");
  const double gigabytes = static_cast<double>(std::filesystem::file_size(store_path)) / 1e9;
  const at::Tensor first = store->read(store->ids().front());
  dim_ = first.size(-1);
  layers_ = first.dim() == 3 ? first.size(0) : 1;
  if (load == io::FeatureLoad::memory || (load == io::FeatureLoad::automatic && gigabytes <= memory_limit_gb)) {
    for (const auto& id : store->ids()) features_[id] = store->read(id);
  } else {
    log::info("[features] ", store_path, " (", gigabytes, " GB): items read from the file as batches need them");
    store_ = std::move(store);
  }
}

FeatureBank::FeatureBank(std::unique_ptr<backbones::OnlineFeatures> online) : online_(std::move(online)) {
  path_ = "online features";
  if (online_->ids().empty()) throw Error("online features: the manifest has no items");
  dim_ = online_->dim();
  layers_ = online_->layers();
}

std::unique_ptr<FeatureBank> open_feature_bank(const backbones::ExtractionOptions& defaults,
                                               const backbones::BackboneRequest& backbone,
                                               const std::vector<int64_t>& layers, const std::string& manifest,
                                               const io::FeatureOptions& features) {
  if (features.load != io::FeatureLoad::online)
    return std::make_unique<FeatureBank>(cached_feature_store(defaults, backbone, layers, manifest), features.load,
                                         features.memory_limit_gb);
  backbones::ExtractionOptions e = defaults;
  e.backbone = backbone;
  e.layers = layers;
  e.manifest = manifest;
  return std::make_unique<FeatureBank>(std::make_unique<backbones::OnlineFeatures>(e));
}

FeatureBank::~FeatureBank() = default;

bool FeatureBank::contains(const std::string& id) const {
  if (online_) return online_->contains(id);
  return store_ ? store_->contains(id) : features_.count(id) > 0;
}

const at::Tensor& FeatureBank::item(const std::string& id, at::Tensor& scratch) const {
  if (store_) {
    if (!store_->contains(id)) throw Error(path_ + ": no features for item '" + id + "' (extract them again?)");
    scratch = store_->read(id);
    return scratch;
  }
  auto it = features_.find(id);
  if (it == features_.end()) throw Error(path_ + ": no features for item '" + id + "' (extract them again?)");
  return it->second;
}

std::pair<at::Tensor, at::Tensor> FeatureBank::moments() const {
  at::Tensor sum = torch::zeros({dim_}, at::kDouble), squares = torch::zeros({dim_}, at::kDouble);
  int64_t rows = 0;
  std::vector<std::string> ids;
  if (online_) ids = online_->ids();
  else if (store_) ids = store_->ids();
  else for (const auto& entry : features_) ids.push_back(entry.first);
  std::vector<at::Tensor> computed;  // online: a chunk at a time
  for (size_t i = 0; i < ids.size(); ++i) {
    if (online_ && i % 64 == 0)
      computed = online_->compute(std::vector<std::string>(ids.begin() + i, ids.begin() + std::min(ids.size(), i + 64)));
    at::Tensor scratch;
    const at::Tensor& t = online_ ? computed[i % 64] : item(ids[i], scratch);
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
  std::vector<at::Tensor> scratch = online_ ? online_->compute(ids) : std::vector<at::Tensor>(ids.size());
  std::vector<const at::Tensor*> items;
  int64_t longest = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    items.push_back(online_ ? &scratch[i] : &item(ids[i], scratch[i]));
    longest = std::max(longest, items.back()->size(-2));
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
