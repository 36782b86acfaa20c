// The measures of vgs-analyze over layer stacks and the trained model, each returning its part of
// results.json (docs/analysis.md) and filling the figures' data (figures.h draws them).
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "vgs/analysis/options.h"
#include "vgs/analysis/representations.h"
#include "vgs/models/two_tower.h"
#include "vgs/train/run.h"

namespace vgs::analysis {

// CKA between every layer of a and every layer of b: {"estimator", "rows", "columns", "matrix"}.
nlohmann::json cka_between(const LayerStack& a, const LayerStack& b, const std::string& estimator);

// Silhouette of the word groups in every layer: {"layers", "values", "distance"}.
nlohmann::json silhouette_by_layer(const LayerStack& stack, const ItemSample& items, const std::string& distance);

// LDA leave-one-out accuracy of the word in every layer, with its bootstrap 95% interval:
// {"layers", "accuracy", "ci_low", "ci_high", "chance"}.
nlohmann::json lda_by_layer(const LayerStack& stack, const ItemSample& items, int64_t resamples, uint64_t seed);

// Per novel word: ME accuracy over the test ME trials against the word's audio spread, image spread
// and audio-image centroid distance (me-vgs's show_explain_me.py), with Pearson and Spearman
// correlations across words.
nlohmann::json me_words(models::TwoTowerImpl& model, const train::TwoTowerOptions& run, const train::SplitData& split,
                        const ItemSample& audio, const ItemSample& images, const c10::Device& device);

// Between every pair of languages, on the words both have: RSA of the word-centroid RDMs
// (correlation distance) and the orthogonal Procrustes residual and disparity, in the last layer of
// each stack: {"<stack>": {"en-fr": {...}}}.
nlohmann::json cross_lingual(const std::vector<LayerStack>& stacks, const ItemSample& items);

// Forced choice against people (analyze.human_choices): which of two images the model finds closer
// to a spoken word, against the share of people choosing image a.
nlohmann::json forced_choice(models::TwoTowerImpl& model, const train::SplitData& split, const std::string& path,
                             const c10::Device& device);

}  // namespace vgs::analysis
