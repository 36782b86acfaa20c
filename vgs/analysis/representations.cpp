// The item sample and the layerwise representations vgs-analyze measures (see representations.h).
#include "vgs/analysis/representations.h"

#include <torch/torch.h>

#include <algorithm>
#include <map>

#include "vgs/backbones/registry.h"
#include "vgs/core/error.h"
#include "vgs/data/vocabulary.h"
#include "vgs/eval/item_sample.h"
#include "vgs/io/representations_file.h"
#include "vgs/metrics/rsa.h"
#include "vgs/train/feature_bank.h"

namespace vgs::analysis {

namespace {

template <typename Item>
void add_item(ItemSample& s, const Item& item, const std::string& language) {
  s.ids.push_back(item.id);
  s.words.push_back(item.label);
  s.languages.push_back(language);
  s.novel.push_back(data::find_word(item.label)->kind == data::WordKind::novel);
}

// [N, L, T, D] (or [N, T, D]) features and their valid lengths -> one [N, D] mean per layer.
std::vector<at::Tensor> mean_per_layer(at::Tensor features, const at::Tensor& lengths) {
  if (features.dim() == 3) features = features.unsqueeze(1);
  const at::Tensor keep = (at::arange(features.size(2)).view({1, -1}) < lengths.view({-1, 1})).to(at::kDouble);  // [N, T]
  const at::Tensor sums = (features.to(at::kDouble) * keep.view({keep.size(0), 1, -1, 1})).sum(2);             // [N, L, D]
  const at::Tensor means = sums / lengths.to(at::kDouble).view({-1, 1, 1});
  std::vector<at::Tensor> out;
  for (int64_t l = 0; l < means.size(1); ++l) out.push_back(means.select(1, l));
  return out;
}

}  // namespace

ItemSample sample_audio(const train::SplitData& split, int64_t per_word, uint64_t seed) {
  ItemSample s;
  auto key = [](const data::AudioItem& a) { return a.label + "/" + a.lang; };
  for (const data::AudioItem* a : eval::sample_per_key(split.audio, key, per_word, seed))
    if (data::find_word(a->label)) add_item(s, *a, a->lang);
  if (s.ids.empty()) throw Error("vgs-analyze: the test split has no audio of a word on the ME lists");
  return s;
}

ItemSample sample_images(const train::SplitData& split, int64_t per_word, uint64_t seed) {
  ItemSample s;
  auto key = [](const data::ImageItem& i) { return i.label; };
  for (const data::ImageItem* i : eval::sample_per_key(split.images, key, per_word, seed))
    if (data::find_word(i->label)) add_item(s, *i, "");
  return s;
}

namespace {
// The items' rows of a feature bank, each layer mean-pooled: one [N, D_l] per layer of the bank.
std::vector<at::Tensor> pooled_layers(const train::FeatureBank& bank, const std::vector<std::string>& ids) {
  std::vector<std::vector<at::Tensor>> parts;
  for (size_t begin = 0; begin < ids.size(); begin += 64) {
    const std::vector<std::string> chunk(ids.begin() + static_cast<int64_t>(begin),
                                         ids.begin() + static_cast<int64_t>(std::min(ids.size(), begin + 64)));
    auto [features, lengths] = bank.collate(chunk);
    std::vector<at::Tensor> means = mean_per_layer(features, lengths);
    parts.resize(means.size());
    for (size_t l = 0; l < means.size(); ++l) parts[l].push_back(means[l]);
  }
  std::vector<at::Tensor> out;
  for (auto& p : parts) out.push_back(torch::cat(p));
  return out;
}
}  // namespace

std::vector<int64_t> every_layer(const backbones::BackboneRequest& request) {
  const auto backbone = backbones::make_backbone(request);
  std::vector<int64_t> layers;
  for (int64_t l = backbone->first_layer(); l <= backbone->last_layer(); ++l) layers.push_back(l);
  return layers;
}

LayerStack backbone_stack(const train::TwoTowerOptions& run, std::vector<int64_t> layers, const ItemSample& items, bool audio) {
  if (!audio) return image_layer_stack(run.extraction, run.image_backbone, run.test.image_manifest, layers, items.ids);
  const backbones::BackboneRequest& request = run.audio_backbone;
  if (layers.empty()) layers = every_layer(request);
  LayerStack stack{request.name, {}, {}};
  for (int64_t l : layers) stack.layer_names.push_back(std::to_string(l));
  // one store holds every layer: [L, T, D] per item
  stack.layers = pooled_layers(train::FeatureBank(train::cached_feature_store(run.extraction, request, layers, run.test.audio_manifest)),
                               items.ids);
  return stack;
}

LayerStack image_layer_stack(const backbones::ExtractionOptions& extraction, const backbones::BackboneRequest& request,
                             const std::string& manifest, std::vector<int64_t> layers, const std::vector<std::string>& ids) {
  if (layers.empty()) layers = every_layer(request);
  LayerStack stack{request.name, {}, {}};
  for (int64_t l : layers) {  // image stages differ in size: one store each
    stack.layer_names.push_back(std::to_string(l));
    stack.layers.push_back(pooled_layers(train::FeatureBank(train::cached_feature_store(extraction, request, {l}, manifest)), ids).front());
  }
  return stack;
}

LayerStack tower_stack(models::TwoTowerImpl& model, const train::FeatureBank& features, const ItemSample& items,
                       const c10::Device& device, bool audio) {
  torch::NoGradGuard no_grad;
  model.eval();
  models::PoolingTowerImpl& tower = audio ? *model.audio_tower : *model.image_tower;
  std::vector<std::vector<at::Tensor>> parts;
  for (size_t begin = 0; begin < items.ids.size(); begin += 64) {
    const std::vector<std::string> chunk(items.ids.begin() + static_cast<int64_t>(begin),
                                         items.ids.begin() + static_cast<int64_t>(std::min(items.ids.size(), begin + 64)));
    auto [batch, lengths] = features.collate(chunk);
    const std::vector<at::Tensor> stages = tower.stages(batch.to(device, torch::kFloat32), lengths.to(device));
    parts.resize(stages.size());
    for (size_t s = 0; s < stages.size(); ++s) parts[s].push_back(stages[s].to(torch::kCPU, torch::kFloat64));
  }
  LayerStack stack{audio ? "audio_tower" : "image_tower", {"input"}, {}};
  for (size_t s = 1; s + 1 < parts.size(); ++s) stack.layer_names.push_back("layer " + std::to_string(s));
  stack.layer_names.push_back("embedding");
  for (auto& p : parts) stack.layers.push_back(torch::cat(p));
  return stack;
}

LayerStack file_stack(const std::string& path, const ItemSample& items) {
  io::RepresentationsFile file = io::read_representations(path);
  std::map<std::string, int64_t> row;
  for (size_t i = 0; i < file.ids.size(); ++i) row.emplace(file.ids[i], static_cast<int64_t>(i));
  std::vector<int64_t> order;
  for (const std::string& id : items.ids) {
    auto it = row.find(id);
    if (it == row.end()) throw Error(path + ": no row for item '" + id + "' of the analysed sample (its /ids must cover the test split)");
    order.push_back(it->second);
  }
  LayerStack stack{file.model, {}, {}};
  const at::Tensor index = torch::tensor(order, torch::kInt64);
  for (size_t l = 0; l < file.layers.size(); ++l) {
    stack.layer_names.push_back(std::to_string(l));
    stack.layers.push_back(file.layers[l].index_select(0, index));
  }
  return stack;
}

LayerStack aggregate_by_word(const LayerStack& stack, const ItemSample& items, std::vector<std::string>* words) {
  LayerStack out{stack.model, stack.layer_names, {}};
  for (const at::Tensor& layer : stack.layers) out.layers.push_back(metrics::aggregate_exemplars(layer, items.words, words));
  return out;
}

}  // namespace vgs::analysis
