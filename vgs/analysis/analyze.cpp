// vgs-analyze on one run (see analyze.h): load, sample, represent, measure, write.
#include "vgs/analysis/analyze.h"

#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "vgs/analysis/figures.h"
#include "vgs/analysis/measures.h"
#include "vgs/analysis/representations.h"
#include "vgs/core/fs.h"
#include "vgs/core/log.h"
#include "vgs/nn/device.h"
#include "vgs/train/checkpoint.h"
#include "vgs/train/run.h"
#include "vgs/train/trial_scoring.h"
#include "vgs/train/two_tower_task.h"

using json = nlohmann::json;

namespace vgs::analysis {

namespace {

bool wants(const AnalyzeOptions& o, const std::string& measure) {
  return std::find(o.measures.begin(), o.measures.end(), measure) != o.measures.end();
}

// The run's model at the checkpoint asked for, on its test split (trial lists are read by me_words).
struct LoadedRun {
  std::string checkpoint;
  train::SplitData test;
  models::TwoTower model{nullptr};
  c10::Device device{c10::kCPU};
};

LoadedRun load_run(const std::string& run_dir, train::TwoTowerOptions& run, const AnalyzeOptions& o) {
  LoadedRun r;
  r.checkpoint = train::RunFolder::open(run_dir).checkpoint_for_evaluation(o.checkpoint);
  train::use_toy_world(run);
  train::Split test = run.test;
  test.trials.clear();
  r.test = train::load_split(run, test, "test");
  r.device = nn::resolve_device(o.device, "analyze.device");
  r.model = models::TwoTower(train::fit_inputs(run.model, r.test));
  train::load_model_weights(r.checkpoint, *r.model);
  r.model->to(r.device);
  r.model->eval();
  return r;
}

bool wants_modality(const AnalyzeOptions& o, const std::string& modality) {
  return std::find(o.modalities.begin(), o.modalities.end(), modality) != o.modalities.end();
}

// The stacks of one modality the layerwise measures compare: the backbone's hidden states (or image
// stages), the trained tower's stages, and (audio) each representations file.
std::vector<LayerStack> layer_stacks(const train::TwoTowerOptions& run, LoadedRun& loaded, const ItemSample& items,
                                     const AnalyzeOptions& o, bool audio) {
  std::vector<LayerStack> stacks;
  stacks.push_back(backbone_stack(run, audio ? o.backbone_layers : std::vector<int64_t>{}, items, audio));
  stacks.push_back(tower_stack(*loaded.model, audio ? *loaded.test.audio_features : *loaded.test.image_features, items,
                               loaded.device, audio));
  if (audio)
    for (const std::string& file : o.hidden_states) stacks.push_back(file_stack(file, items));
  return stacks;
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

void layerwise_figures(const json& results, FigureWriter& figures, const AnalyzeOptions& o) {
  if (results.contains("silhouette"))
    figures.by_layer("silhouette", "Silhouette of the word groups by layer (" + o.distance + ")", "silhouette",
                     results["silhouette"], "values", false);
  if (results.contains("lda"))
    figures.by_layer("lda", "LDA leave-one-out accuracy of the word by layer (95% bootstrap interval)", "accuracy", results["lda"],
                     "accuracy", true);
}

std::string summary_lines(const json& results) {
  std::string out = "vgs-analyze: " + std::to_string(results["items"].get<int64_t>()) + " items of " +
                    std::to_string(results["words"].get<int64_t>()) + " words\n";
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

}  // namespace

AnalysisOutput analyze_run(const std::string& run_dir, train::TwoTowerOptions run, const AnalyzeOptions& o) {
  const std::string out_dir = o.out.empty() ? run_dir + "/analysis" : o.out;
  std::filesystem::create_directories(out_dir);
  LoadedRun loaded = load_run(run_dir, run, o);
  log::info("[analyze] ", run_dir, ": checkpoint ", loaded.checkpoint);
  const ItemSample audio = sample_audio(loaded.test, o.items_per_word, o.seed);
  const std::set<std::string> words(audio.words.begin(), audio.words.end());
  json results = {{"schema", "vgs-analyze/1"}, {"run", run_dir}, {"checkpoint", loaded.checkpoint}, {"measures", o.measures},
                  {"items", audio.ids.size()}, {"words", words.size()}, {"item_ids", audio.ids}};
  FigureWriter figures(out_dir, o.formats);
  const ItemSample images = sample_images(loaded.test, o.items_per_word, o.seed);
  results["image_items"] = images.ids.size();
  results["image_ids"] = images.ids;
  const bool layerwise = wants(o, "cka") || wants(o, "silhouette") || wants(o, "lda") || wants(o, "cross_lingual");
  for (bool audio_side : {true, false}) {
    if (!layerwise || !wants_modality(o, audio_side ? "audio" : "image")) continue;
    const ItemSample& items = audio_side ? audio : images;
    const std::vector<LayerStack> stacks = layer_stacks(run, loaded, items, o, audio_side);
    if (wants(o, "cka")) cka_pairs(results, figures, stacks, items, o);
    layerwise_measures(results, stacks, items, o);
    if (audio_side && wants(o, "cross_lingual")) results["cross_lingual"] = cross_lingual(stacks, items);
  }
  layerwise_figures(results, figures, o);
  if (wants(o, "me_words")) {
    results["me_words"] = me_words(*loaded.model, run, loaded.test, audio, images, loaded.device);
    figures.me_words(results["me_words"]);
  }
  if (wants(o, "pca"))
    figures.pca(train::embed_items(*loaded.model, audio.ids, *loaded.test.audio_features, true, loaded.device), audio,
                train::embed_items(*loaded.model, images.ids, *loaded.test.image_features, false, loaded.device), images);
  if (wants(o, "forced_choice")) results["forced_choice"] = forced_choice(*loaded.model, loaded.test, o.human_choices, loaded.device);
  results["figures"] = figures.written();
  AnalysisOutput output{out_dir + "/results.json", figures.written(), summary_lines(results)};
  core::write_file_atomic(output.results_json, results.dump(1) + "\n");
  return output;
}

}  // namespace vgs::analysis
