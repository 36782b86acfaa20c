// The parts of vgs-analyze that both model families share: which measures were asked for, the
// layerwise measures over stacks of the same items (CKA between every pair, silhouette and LDA of
// the items' labels by layer), their figures, and the terminal summary.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "vgs/analysis/figures.h"
#include "vgs/analysis/options.h"
#include "vgs/analysis/representations.h"

namespace vgs::analysis {

bool wants(const AnalyzeOptions& o, const std::string& measure);
bool wants_modality(const AnalyzeOptions& o, const std::string& modality);

// CKA between every pair of stacks (rows: the same items), on the items or, with
// analyze.aggregate_exemplars, on each label's mean; results["cka"]["<a> vs <b>"] and a heatmap each.
void cka_pairs(nlohmann::json& results, FigureWriter& figures, const std::vector<LayerStack>& stacks, const ItemSample& items,
               const AnalyzeOptions& o);

// Silhouette and LDA of items.words (the labels) in every layer of each stack, as asked for.
void layerwise_measures(nlohmann::json& results, const std::vector<LayerStack>& stacks, const ItemSample& items,
                        const AnalyzeOptions& o);

// The silhouette and LDA curves of every stack measured so far; `labels` names what was separated.
void layerwise_figures(const nlohmann::json& results, FigureWriter& figures, const AnalyzeOptions& o, const std::string& labels);

// A few lines for the terminal: the sample and each measure's headline.
std::string summary_lines(const nlohmann::json& results);

}  // namespace vgs::analysis
