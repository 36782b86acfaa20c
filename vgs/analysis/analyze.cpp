// vgs-analyze on one run (see analyze.h): load, sample, represent, measure, write.
#include "vgs/analysis/analyze.h"

#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "vgs/analysis/figures.h"
#include "vgs/analysis/layerwise.h"
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
  layerwise_figures(results, figures, o, "word");
  if (wants(o, "me_words")) {
    results["me_words"] = me_words(*loaded.model, run, loaded.test, audio, images, loaded.device);
    figures.me_words(results["me_words"]);
  }
  if (wants(o, "pca") || wants(o, "tsne")) {
    const at::Tensor embeddings = torch::cat({train::embed_items(*loaded.model, audio.ids, *loaded.test.audio_features, true, loaded.device),
                                              train::embed_items(*loaded.model, images.ids, *loaded.test.image_features, false, loaded.device)});
    for (const std::string method : {"pca", "tsne"})
      if (wants(o, method)) {
        const double kl = figures.projections(method, embeddings, two_tower_colourings(audio, images), o.seed);
        if (method == "tsne") results["tsne"] = {{"points", embeddings.size(0)}, {"kl_divergence", kl}};
      }
  }
  if (wants(o, "forced_choice")) results["forced_choice"] = forced_choice(*loaded.model, loaded.test, o.human_choices, loaded.device);
  results["figures"] = figures.written();
  AnalysisOutput output{out_dir + "/results.json", figures.written(), summary_lines(results)};
  core::write_file_atomic(output.results_json, results.dump(1) + "\n");
  return output;
}

}  // namespace vgs::analysis
