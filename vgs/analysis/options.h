// The recipe keys of vgs-analyze (analyze.*) and their typed form: which trained run, which items,
// which representations and which measures.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vgs::core {
class Schema;
class Config;
}  // namespace vgs::core

namespace vgs::analysis {

void add_analyze_options(core::Schema& schema);

struct AnalyzeOptions {
  std::string run;                  // a vgs-train run folder (two-tower or text grouping)
  std::string checkpoint = "best";  // best or last
  std::string out;                  // results.json and figures; "" = RUN/analysis
  // cka, silhouette, lda, me_words, cross_lingual, pca, tsne, forced_choice; empty until
  // use_family_defaults: every measure of the run's family but forced_choice
  std::vector<std::string> measures;
  // whose stacks the layerwise measures take: audio, image (two-tower), text, image (text grouping);
  // empty until use_family_defaults: both of the family's
  std::vector<std::string> modalities;
  int64_t items_per_word = 10;      // audio per (word, language), images per word, captions per label
  std::string labels;               // text grouping: JSON Lines {id or image, label}; "" = each caption's image
  uint64_t seed = 42;               // of that sample and of the LDA resampling
  std::vector<int64_t> backbone_layers;     // of the run's audio backbone; empty = every layer
  std::vector<std::string> hidden_states;   // representations files of other models (docs/analysis.md)
  std::string cka = "linear";               // linear or unbiased
  bool aggregate_exemplars = false;         // CKA and cross-lingual on per-word means instead of items
  std::string distance = "cosine";          // silhouette: cosine or euclidean
  int64_t lda_resamples = 1000;             // bootstrap resamples of the LDA accuracy's 95% interval
  std::string human_choices;                // forced_choice: JSON Lines of human preferences
  std::vector<std::string> formats{"png", "pdf"};  // figure files written for each figure
  std::string device = "auto";
};

AnalyzeOptions analyze_options(const core::Config& config);

// Fills the measures and modalities left empty with the family's defaults, and refuses (naming the
// key) a measure or modality that the family does not have.
void use_family_defaults(AnalyzeOptions& options, bool text_grouping);

// The measures vgs-analyze knows, in report order.
const std::vector<std::string>& known_measures();

}  // namespace vgs::analysis
