// vgs-analyze: what grounding does inside the encoders of a trained two-tower run: layerwise CKA
// between its audio backbone, its trained tower and other models, silhouette and LDA of the word
// groups by layer, per-word ME accuracy against spread and distance, cross-lingual RSA and
// Procrustes, PCA pictures and forced choice against people; results.json plus figures.
#include <iostream>

#include "vgs/analysis/analyze.h"
#include "vgs/cli/common.h"
#include "vgs/core/error.h"
#include "vgs/recipe/recipe.h"
#include "vgs/train/run.h"
#include "vgs/train/text_grouping_options.h"
#include "vgs/train/two_tower_options.h"

int main(int argc, char** argv) {
  CLI::App app{"Analyse the representations of a trained two-tower run (CKA, silhouette, LDA, ME by word, RSA)",
               "vgs-analyze"};
  vgs::cli::RecipeArguments args;
  vgs::cli::FlagOverrides flags;
  std::string log_level = "info";
  vgs::cli::add_recipe_arguments(app, args);
  vgs::cli::add_log_level_argument(app, log_level);
  flags.add(app, "--run", "analyze.run", "the vgs-train run folder to analyse");
  flags.add(app, "--out", "analyze.out", "folder for results.json and the figures (default RUN/analysis)");
  return vgs::cli::run_program(app, argc, argv, log_level, [&] {
    if (vgs::cli::handle_config_requests(args, nullptr)) return 0;
    vgs::core::Config config = vgs::recipe::load(args.recipe, flags.overrides(args.overrides));
    if (vgs::cli::handle_config_requests(args, &config)) return 0;
    const vgs::analysis::AnalyzeOptions options = vgs::analysis::analyze_options(config);
    if (options.run.empty()) throw vgs::Error("analyze.run is not set: vgs-analyze [RECIPE] --run RUN_DIR");
    const vgs::core::Config run_config = vgs::recipe::load(vgs::train::RunFolder::open(options.run).config());
    if (vgs::train::model_family(run_config) != vgs::train::ModelFamily::two_tower)
      throw vgs::Error(options.run + ": vgs-analyze analyses two-tower runs; this is a text grouping run");
    const auto output = vgs::analysis::analyze_run(options.run, vgs::train::two_tower_options(run_config), options);
    std::cout << output.summary << "written: " << output.results_json;
    for (const auto& figure : output.figures) std::cout << " " << figure;
    std::cout << "\n";
    return 0;
  });
}
