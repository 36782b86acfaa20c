// vgs-eval: the published test protocols (familiar, ME, translation, retrieval, geometry) on the
// checkpoints of one or more vgs-train runs (seeds), reported as mean ± standard error in
// results.json, results.md and PNG plots; the table is printed too.
#include <filesystem>
#include <iostream>

#include "vgs/cli/common.h"
#include "vgs/core/log.h"
#include "vgs/eval/embeddings_export.h"
#include "vgs/eval/evaluator.h"
#include "vgs/eval/report.h"
#include "vgs/recipe/recipe.h"
#include "vgs/train/options.h"

int main(int argc, char** argv) {
  CLI::App app{"Evaluate trained two-tower models with the published test protocols", "vgs-eval"};
  vgs::cli::RecipeArguments args;
  std::string log_level = "info", out_dir, checkpoint, embeddings;
  std::vector<std::string> runs;
  vgs::cli::add_recipe_arguments(app, args);
  vgs::cli::add_log_level_argument(app, log_level);
  app.add_option("--runs", runs, "run folders of vgs-train (several: seeds, aggregated as mean ± standard error)");
  app.add_option("--out", out_dir, "folder for results.json, results.md and the plots (eval.out)");
  app.add_option("--checkpoint", checkpoint, "best or last (eval.checkpoint)");
  app.add_option("--export-embeddings", embeddings, "also write the embeddings with their labels to this .h5 file");
  return vgs::cli::run_program(app, argc, argv, log_level, [&] {
    if (vgs::cli::handle_config_requests(args, nullptr)) return 0;
    std::vector<std::string> overrides = args.overrides;
    if (!checkpoint.empty()) overrides.push_back("eval.checkpoint=" + checkpoint);
    vgs::core::Config config = vgs::recipe::load(args.recipe, overrides);
    if (vgs::cli::handle_config_requests(args, &config)) return 0;
    vgs::eval::EvalOptions options = vgs::eval::eval_options(config);
    if (!out_dir.empty()) options.out_dir = out_dir;
    if (!embeddings.empty()) options.export_embeddings = embeddings;
    if (runs.empty()) throw vgs::Error("no runs given: vgs-eval [RECIPE] --runs RUN_DIR...");
    if (options.out_dir.empty()) {
      if (runs.size() > 1) throw vgs::Error("several runs: say where the results go with --out DIR (or eval.out)");
      options.out_dir = runs.front() + "/eval";
    }
    std::vector<vgs::eval::RunEvaluation> evaluations;
    for (const auto& run : runs) {
      if (!std::filesystem::exists(run + "/config.yaml"))
        throw vgs::Error(run + ": not a vgs-train run folder (it has no config.yaml)");
      vgs::core::Config run_config = vgs::recipe::load(run + "/config.yaml");
      evaluations.push_back(vgs::eval::evaluate_run(run, vgs::train::train_options(run_config), options));
    }
    if (!options.export_embeddings.empty()) vgs::eval::export_embeddings(options.export_embeddings, evaluations);
    auto report = vgs::eval::summarize_runs(std::move(evaluations), options);
    auto written = vgs::eval::write_reports(report, options.out_dir);
    std::cout << "\n" << vgs::eval::results_markdown(report) << "\nwritten:";
    for (const auto& path : written) std::cout << " " << path;
    if (!options.export_embeddings.empty()) std::cout << " " << options.export_embeddings;
    std::cout << "\n";
    return 0;
  });
}
