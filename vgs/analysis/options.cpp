// The recipe keys of vgs-analyze. Each key's default is the struct member's.
#include "vgs/analysis/options.h"

#include <algorithm>

#include "vgs/core/config.h"
#include "vgs/core/config_checks.h"
#include "vgs/core/error.h"
#include "vgs/core/schema.h"
#include "vgs/core/strings.h"
#include "vgs/nn/device.h"

namespace vgs::analysis {

using core::Bounds;

const std::vector<std::string>& known_measures() {
  static const std::vector<std::string> measures{"cka", "silhouette", "lda", "me_words", "cross_lingual", "pca", "tsne", "forced_choice"};
  return measures;
}

namespace {
bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// Refuses a value of `key` that is not in `allowed` for this family.
void check_family(const std::vector<std::string>& values, const std::vector<std::string>& allowed, const std::string& key,
                  const std::string& family) {
  for (const std::string& value : values)
    if (!contains(allowed, value))
      throw Error(key + ": '" + value + "' does not apply to a " + family + " run; it takes " + core::join(allowed, ", "));
}
}  // namespace

void use_family_defaults(AnalyzeOptions& o, bool text_grouping) {
  const std::vector<std::string> measures =
      text_grouping ? std::vector<std::string>{"cka", "silhouette", "lda", "pca", "tsne", "forced_choice"}
                    : std::vector<std::string>{"cka", "silhouette", "lda", "me_words", "cross_lingual", "pca", "tsne", "forced_choice"};
  const std::vector<std::string> modalities = text_grouping ? std::vector<std::string>{"text", "image"}
                                                            : std::vector<std::string>{"audio", "image"};
  const std::string family = text_grouping ? "text grouping" : "two-tower";
  check_family(o.measures, measures, "analyze.measures", family);
  check_family(o.modalities, modalities, "analyze.modalities", family);
  if (o.measures.empty()) o.measures.assign(measures.begin(), measures.end() - 1);  // all but forced_choice
  if (o.modalities.empty()) o.modalities = modalities;
}

namespace {
void check_list(const core::Config& c, const std::string& key, const std::vector<std::string>& allowed) {
  for (const auto& value : c.get_string_list(key))
    if (std::find(allowed.begin(), allowed.end(), value) == allowed.end())
      throw Error(core::where(c, key) + ": unknown value '" + value + "'; expected some of " + core::join(allowed, ", "));
}
}  // namespace

void add_analyze_options(core::Schema& s) {
  const AnalyzeOptions d;
  s.group("analyze", "Representation analysis (vgs-analyze): what grounding does inside the encoders");
  s.add_path("analyze.run", "the vgs-train run (two-tower) whose test split, backbone and towers are analysed");
  s.add_string("analyze.checkpoint", d.checkpoint, "checkpoint of the run: best or last", {"best", "last"});
  s.add_path("analyze.out", "folder of results.json and the figures (default: RUN/analysis)");
  s.add_string_list("analyze.measures", d.measures,
                    "cka (layer x layer), silhouette and lda (word or label groups by layer), me_words (per-word ME "
                    "accuracy against spread and distance), cross_lingual (RSA and Procrustes between languages), pca, "
                    "tsne, forced_choice (against human choices); default: every one of the run's family but forced_choice");
  s.add_string_list("analyze.modalities", d.modalities,
                    "layerwise measures over the audio or text stacks (backbone or text encoder, tower, hidden_states "
                    "files) and/or the image stacks (image backbone stages, image tower); default: both");
  s.add_int("analyze.items_per_word", d.items_per_word,
            "test audio per word and language, images per word; captions per label (text grouping)", Bounds::at_least(1));
  s.add_path("analyze.labels",
             "text grouping: JSON Lines {\"id\": caption or \"image\": image, \"label\": ...} naming the groups of "
             "silhouette and LDA (default: each caption's image); captions without a label are left out");
  s.add_int("analyze.seed", static_cast<int64_t>(d.seed), "seed of the item sample and the LDA resampling", Bounds::at_least(0));
  s.add_int_list("analyze.backbone_layers", {}, "hidden states of the run's audio backbone to analyse (default: every one)");
  s.add_path_list("analyze.hidden_states", "representations files of other models, HDF5 (docs/analysis.md)");
  s.add_string("analyze.cka", d.cka, "CKA estimator: linear or unbiased (debiased HSIC)", {"linear", "unbiased"});
  s.add_bool("analyze.aggregate_exemplars", d.aggregate_exemplars,
             "CKA and cross-lingual measures on each word's mean over its items instead of the items");
  s.add_string("analyze.distance", d.distance, "silhouette distance: cosine or euclidean", {"cosine", "euclidean"});
  s.add_int("analyze.lda_resamples", d.lda_resamples, "bootstrap resamples of the LDA accuracy's 95% interval", Bounds::at_least(1));
  s.add_path("analyze.human_choices", "forced_choice: JSON Lines {audio, image_a, image_b, human_a} (docs/analysis.md)");
  s.add_string_list("analyze.formats", d.formats, "figure files: png, svg, pdf");
  s.add_string("analyze.device", d.device, "where the towers run: auto, cpu, cuda or cuda:N");
  s.add_check([](const core::Config& c) {
    check_list(c, "analyze.measures", known_measures());
    check_list(c, "analyze.formats", {"png", "svg", "pdf"});
    check_list(c, "analyze.modalities", {"audio", "image", "text"});
  });
  nn::add_device_check(s, "analyze.device");
}

AnalyzeOptions analyze_options(const core::Config& c) {
  AnalyzeOptions o;
  if (c.has("analyze.run")) o.run = c.get_string("analyze.run");
  o.checkpoint = c.get_string("analyze.checkpoint");
  if (c.has("analyze.out")) o.out = c.get_string("analyze.out");
  o.measures = c.get_string_list("analyze.measures");
  o.modalities = c.get_string_list("analyze.modalities");
  o.items_per_word = c.get_int("analyze.items_per_word");
  if (c.has("analyze.labels")) o.labels = c.get_string("analyze.labels");
  o.seed = static_cast<uint64_t>(c.get_int("analyze.seed"));
  o.backbone_layers = c.get_int_list("analyze.backbone_layers");
  o.hidden_states = c.get_string_list("analyze.hidden_states");
  o.cka = c.get_string("analyze.cka");
  o.aggregate_exemplars = c.get_bool("analyze.aggregate_exemplars");
  o.distance = c.get_string("analyze.distance");
  o.lda_resamples = c.get_int("analyze.lda_resamples");
  if (c.has("analyze.human_choices")) o.human_choices = c.get_string("analyze.human_choices");
  o.formats = c.get_string_list("analyze.formats");
  o.device = nn::device_option(c, "analyze.device");
  if (contains(o.measures, "forced_choice") && o.human_choices.empty())
    throw Error(core::where(c, "analyze.measures") + ": forced_choice needs analyze.human_choices (a JSON Lines file)");
  return o;
}

}  // namespace vgs::analysis
