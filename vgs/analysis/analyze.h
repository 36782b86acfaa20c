// vgs-analyze on one trained two-tower run: the item sample, the layerwise representations, every
// measure asked for (analyze.measures), results.json (schema vgs-analyze/1, docs/analysis.md) and
// the figures.
#pragma once

#include <string>
#include <vector>

#include "vgs/analysis/options.h"
#include "vgs/train/two_tower_options.h"

namespace vgs::analysis {

struct AnalysisOutput {
  std::string results_json;          // the path of results.json
  std::vector<std::string> figures;  // every figure file written
  std::string summary;               // a few lines for the terminal
};

// `run` is the run's own config (RUN/config.yaml) in typed form; files go to options.out.
AnalysisOutput analyze_run(const std::string& run_dir, train::TwoTowerOptions run, const AnalyzeOptions& options);

}  // namespace vgs::analysis
