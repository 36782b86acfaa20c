// vgs-eval: the published test protocols (familiar, ME, translation, retrieval, geometry; for text
// grouping runs phrase alignment, retrieval, forced choice and attention maps) on the checkpoints of
// one or more vgs-train runs (seeds), reported as mean ± standard error in results.json, results.md
// and PNG plots; the table is printed too.
#include <filesystem>
#include <iostream>

#include "vgs/cli/common.h"
#include "vgs/core/log.h"
#include "vgs/eval/embeddings_export.h"
#include "vgs/eval/evaluator.h"
#include "vgs/eval/report.h"
#include "vgs/eval/run_set.h"
#include "vgs/eval/text_grouping_eval.h"
#include "vgs/recipe/recipe.h"
#include "vgs/train/run.h"
#include "vgs/core/error.h"
#include "vgs/train/text_grouping_options.h"
#include "vgs/train/two_tower_options.h"

namespace {

// Each run is evaluated with its own config (RUN/config.yaml); they are checked to be seeds of one
// model before any is evaluated. A text grouping run's attention maps go to OUT/attention (one run)
// or OUT/<run folder>/attention (several).
std::vector<vgs::eval::RunEvaluation> evaluate_runs(const std::vector<std::string>& runs,
                                                    const vgs::eval::EvalOptions& options, bool allow_mixed) {
  std::vector<vgs::core::Config> configs;
  for (const auto& dir : runs) configs.push_back(vgs::recipe::load(vgs::train::RunFolder::open(dir).config()));
  vgs::eval::check_run_set(runs, configs, allow_mixed);
  std::vector<vgs::eval::RunEvaluation> evaluations;
  for (size_t i = 0; i < runs.size(); ++i) {
    const auto family = vgs::train::model_family(configs[i]);
    if (family != vgs::train::model_family(configs.front()))
      throw vgs::Error("--runs: " + runs[i] + " and " + runs.front() + " are runs of different model families");
    if (family == vgs::train::ModelFamily::text_grouping) {
      const std::string figures = options.out_dir + (runs.size() > 1 ? "/" + std::filesystem::path(runs[i]).filename().string() : "");
      evaluations.push_back(vgs::eval::evaluate_text_grouping_run(runs[i], vgs::train::text_grouping_options(configs[i]), options, figures));
    } else {
      evaluations.push_back(vgs::eval::evaluate_run(runs[i], vgs::train::two_tower_options(configs[i]), options));
    }
  }
  return evaluations;
}

void print_report(const vgs::eval::EvaluationReport& report, const std::vector<std::string>& written,
                  const std::string& embeddings) {
  std::cout << "\n" << vgs::eval::results_markdown(report) << "\nwritten:";
  for (const auto& path : written) std::cout << " " << path;
  if (!embeddings.empty()) std::cout << " " << embeddings;
  for (const auto& run : report.runs)
    for (const auto& figure : run.figures) std::cout << " " << figure;
  std::cout << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Evaluate trained models (two-tower or text grouping) with the published test protocols", "vgs-eval"};
  vgs::cli::RecipeArguments args;
  vgs::cli::FlagOverrides flags;
  std::string log_level = "info";
  std::vector<std::string> runs;
  bool allow_mixed = false;
  vgs::cli::add_recipe_arguments(app, args);
  vgs::cli::add_log_level_argument(app, log_level);
  app.add_option("--runs", runs, "run folders of vgs-train (several: seeds, aggregated as mean ± standard error)");
  app.add_flag("--allow-mixed", allow_mixed,
               "aggregate runs that are not seeds of one model (different configurations, or a run twice)");
  flags.add(app, "--out", "eval.out", "folder for results.json, results.md and the plots");
  flags.add(app, "--checkpoint", "eval.checkpoint", "best or last");
  flags.add(app, "--export-embeddings", "eval.export_embeddings", "also write the embeddings with their labels to this .h5 file");
  return vgs::cli::run_program(app, argc, argv, log_level, [&] {
    if (vgs::cli::handle_config_requests(args, nullptr)) return 0;
    vgs::core::Config config = vgs::recipe::load(args.recipe, flags.overrides(args.overrides));
    if (vgs::cli::handle_config_requests(args, &config)) return 0;
    vgs::eval::EvalOptions options = vgs::eval::eval_options(config);
    if (runs.empty()) throw vgs::Error("no runs given: vgs-eval [RECIPE] --runs RUN_DIR...");
    if (options.out_dir.empty()) {
      if (runs.size() > 1) throw vgs::Error("several runs: say where the results go with --out DIR (or eval.out)");
      options.out_dir = vgs::train::RunFolder(runs.front()).eval_dir();
    }
    auto evaluations = evaluate_runs(runs, options, allow_mixed);
    if (!options.export_embeddings.empty()) vgs::eval::export_embeddings(options.export_embeddings, evaluations);
    auto report = vgs::eval::summarize_runs(std::move(evaluations), options);
    print_report(report, vgs::eval::write_reports(report, options.out_dir), options.export_embeddings);
    return 0;
  });
}
