// vgs-analyze: what grounding does inside the encoders of a trained run. Two-tower: layerwise CKA
// between its audio backbone, its trained tower and other models, silhouette and LDA of the word
// groups by layer, per-word ME accuracy against spread and distance, cross-lingual RSA and
// Procrustes. Text grouping: CKA between the text encoder, GroupViT's stages and other models,
// silhouette and LDA of caption labels. Both: PCA and t-SNE pictures and forced choice against
// people; results.json plus figures.
#include <iostream>

#include "vgs/analysis/analyze.h"
#include "vgs/analysis/text_grouping_analysis.h"
#include "vgs/cli/common.h"
#include "vgs/core/error.h"
#include "vgs/recipe/recipe.h"
#include "vgs/train/run.h"
#include "vgs/train/text_grouping_options.h"
#include "vgs/train/two_tower_options.h"

int main(int argc, char** argv) {
  CLI::App app{"Analyse the representations of a trained run (CKA, silhouette, LDA, ME by word, RSA, PCA, t-SNE)",
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
    vgs::analysis::AnalyzeOptions options = vgs::analysis::analyze_options(config);
    if (options.run.empty()) throw vgs::Error("analyze.run is not set: vgs-analyze [RECIPE] --run RUN_DIR");
    const vgs::core::Config run_config = vgs::recipe::load(vgs::train::RunFolder::open(options.run).config());
    const bool text_grouping = vgs::train::model_family(run_config) == vgs::train::ModelFamily::text_grouping;
    vgs::analysis::use_family_defaults(options, text_grouping);
    const auto output =
        text_grouping ? vgs::analysis::analyze_text_grouping_run(options.run, vgs::train::text_grouping_options(run_config), options)
                      : vgs::analysis::analyze_run(options.run, vgs::train::two_tower_options(run_config), options);
    std::cout << output.summary << "written: " << output.results_json;
    for (const auto& figure : output.figures) std::cout << " " << figure;
    std::cout << "\n";
    return 0;
  });
}
