// The measures and figures both model families share (see layerwise.h).
#include "vgs/analysis/layerwise.h"

#include <algorithm>

#include "vgs/analysis/measures.h"

using json = nlohmann::json;

namespace vgs::analysis {

bool wants(const AnalyzeOptions& o, const std::string& measure) {
  return std::find(o.measures.begin(), o.measures.end(), measure) != o.measures.end();
}

bool wants_modality(const AnalyzeOptions& o, const std::string& modality) {
  return std::find(o.modalities.begin(), o.modalities.end(), modality) != o.modalities.end();
}

// CKA between every pair of one modality's stacks (the same items), on the items or their word means.
void cka_pairs(json& results, FigureWriter& figures, const std::vector<LayerStack>& stacks, const ItemSample& items,
               const AnalyzeOptions& o) {
  std::vector<std::string> words;
  std::vector<LayerStack> compared = stacks;
  if (o.aggregate_exemplars)
    for (LayerStack& s : compared) s = aggregate_by_word(s, items, &words);
  for (size_t i = 0; i < compared.size(); ++i)
    for (size_t j = i + 1; j < compared.size(); ++j) {
      const std::string name = compared[i].model + " vs " + compared[j].model;
      results["cka"][name] = cka_between(compared[i], compared[j], o.cka);
      figures.cka("cka_" + compared[i].model + "_vs_" + compared[j].model, compared[i].model, compared[j].model, results["cka"][name]);
    }
}

void layerwise_measures(json& results, const std::vector<LayerStack>& stacks, const ItemSample& items, const AnalyzeOptions& o) {
  for (const LayerStack& s : stacks) {
    if (wants(o, "silhouette")) results["silhouette"][s.model] = silhouette_by_layer(s, items, o.distance);
    if (wants(o, "lda")) results["lda"][s.model] = lda_by_layer(s, items, o.lda_resamples, o.seed);
  }
}

void layerwise_figures(const json& results, FigureWriter& figures, const AnalyzeOptions& o, const std::string& labels) {
  if (results.contains("silhouette"))
    figures.by_layer("silhouette", "Silhouette of the " + labels + " groups by layer (" + o.distance + ")", "silhouette",
                     results["silhouette"], "values", false);
  if (results.contains("lda"))
    figures.by_layer("lda", "LDA leave-one-out accuracy of the " + labels + " by layer (95% bootstrap interval)", "accuracy",
                     results["lda"], "accuracy", true);
}

std::string summary_lines(const json& results) {
  std::string out = "vgs-analyze: " + std::to_string(results["items"].get<int64_t>()) + " items of " +
                    std::to_string(results[results.contains("words") ? "words" : "labels"].get<int64_t>()) +
                    (results.contains("words") ? " words\n" : " labels\n");
  if (results.contains("cka"))
    for (const auto& [name, r] : results["cka"].items())
      out += "  CKA " + name + ": " + std::to_string(r["rows"].size()) + " x " + std::to_string(r["columns"].size()) + " layers\n";
  if (results.contains("silhouette"))
    for (const auto& [model, r] : results["silhouette"].items()) out += "  silhouette by layer, " + model + ": " + r["values"].dump() + "\n";
  if (results.contains("lda"))
    for (const auto& [model, r] : results["lda"].items()) out += "  LDA accuracy by layer, " + model + ": " + r["accuracy"].dump() + "\n";
  if (results.contains("me_words"))
    out += "  ME accuracy vs centroid distance: " + results["me_words"]["accuracy_vs_centroid_distance"].dump() + "\n";
  return out;
}

}  // namespace vgs::analysis
