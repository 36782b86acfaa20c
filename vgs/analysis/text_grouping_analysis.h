// vgs-analyze on a trained text grouping run (model.family: text_grouping): a labelled sample of its
// test captions; the text encoder's stages, the frozen GroupViT's stages (each caption's image) and
// other models' representations files; CKA between every pair (text vs image layers is the
// vision-language alignment by layer), silhouette and LDA of the labels by layer, PCA and t-SNE of
// captions and images, and forced choice against people.
#pragma once

#include <string>

#include "vgs/analysis/analyze.h"
#include "vgs/analysis/options.h"
#include "vgs/train/text_grouping_options.h"

namespace vgs::analysis {

// `run` is the run's own config in typed form; `options` has had use_family_defaults(.., true).
AnalysisOutput analyze_text_grouping_run(const std::string& run_dir, train::TextGroupingOptions run, const AnalyzeOptions& options);

}  // namespace vgs::analysis
