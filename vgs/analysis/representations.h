// What vgs-analyze measures: a sample of a run's test items, and stacks of layerwise representations
// of them (one pooled vector per item and layer): every hidden state of the run's audio backbone,
// the stages of its trained audio tower, and representations of other models from HDF5 files.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <string>
#include <vector>

#include "vgs/backbones/extraction.h"
#include "vgs/backbones/registry.h"
#include "vgs/models/two_tower.h"
#include "vgs/train/run.h"

namespace vgs::analysis {

// Items in row order, with what each is.
struct ItemSample {
  std::vector<std::string> ids, words, languages;
  std::vector<bool> novel;  // the word is on the ME novel list (else the familiar one)
};

// One model's representations of the same items, layer by layer.
struct LayerStack {
  std::string model;                     // e.g. "wavlm_base_plus", "audio_tower"
  std::vector<std::string> layer_names;  // axis labels: "0", "1", ... or "input", "layer 1", "embedding"
  std::vector<at::Tensor> layers;        // each [N, D_l] float64 on the CPU, rows = the sample's items
};

// Up to `per_word` audio items per (word, language) of the split, words on the ME lists only, drawn
// by the same seeded shuffle as vgs-eval's sample (so the same seed picks the same items).
ItemSample sample_audio(const train::SplitData& split, int64_t per_word, uint64_t seed);
// Up to `per_word` images per word, the same way; `languages` are left empty.
ItemSample sample_images(const train::SplitData& split, int64_t per_word, uint64_t seed);

// Every hidden state `layers` (empty: all) of the run's audio backbone over its test audio manifest
// (audio), or every stage of its image backbone over the test images, cached once in feature stores
// (one for the audio layers; one per image stage, whose sizes differ), mean-pooled over each item's
// valid frames or spatial tokens.
LayerStack backbone_stack(const train::TwoTowerOptions& run, std::vector<int64_t> layers, const ItemSample& items, bool audio);

// Every layer `layers` (empty: all) of an image backbone (e.g. GroupViT's stages) over `manifest`,
// cached once per layer (stage sizes differ) and mean-pooled over each image's tokens; rows are
// `ids` in order (an id may repeat, e.g. the image of each of its captions).
LayerStack image_layer_stack(const backbones::ExtractionOptions& extraction, const backbones::BackboneRequest& request,
                             const std::string& manifest, std::vector<int64_t> layers, const std::vector<std::string>& ids);

// Every layer of a backbone, first to last.
std::vector<int64_t> every_layer(const backbones::BackboneRequest& request);

// The stages of the trained audio (or image) tower (PoolingTowerImpl::stages): input, each layer's
// CLS, embedding; named "audio_tower" or "image_tower".
LayerStack tower_stack(models::TwoTowerImpl& model, const train::FeatureBank& features, const ItemSample& items,
                       const c10::Device& device, bool audio);

// A representations file (io/representations_file.h), its rows put in the sample's order; vgs::Error
// naming the file and an item it lacks.
LayerStack file_stack(const std::string& path, const ItemSample& items);

// Each word's mean over its items (first-seen order) in every layer; `words` gets the word of each row.
LayerStack aggregate_by_word(const LayerStack& stack, const ItemSample& items, std::vector<std::string>* words);

}  // namespace vgs::analysis
