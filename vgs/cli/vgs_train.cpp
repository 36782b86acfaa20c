// vgs-train: trains a model from a recipe (the two-tower speech-image family, or text grouping with
// model.family), or continues one (--resume RUN_DIR); prints the validation and test figures at the end.
#include <cstdio>
#include <cstring>
#include <iostream>

#include "vgs/cli/common.h"
#include "vgs/core/log.h"
#include "vgs/recipe/recipe.h"
#include "vgs/train/tasks.h"
#include "vgs/train/trainer.h"

namespace {

// Test figures are accuracies and recalls, printed as percent, except ranks, losses and counts.
bool is_fraction(const std::string& name) {
  for (const char* raw : {"rank", "loss", "phrases", "per_caption"})
    if (name.size() >= std::strlen(raw) && name.compare(name.size() - std::strlen(raw), std::string::npos, raw) == 0)
      return false;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Train a two-tower visually grounded speech model", "vgs-train"};
  vgs::cli::RecipeArguments args;
  std::string log_level = "info", resume;
  vgs::cli::add_recipe_arguments(app, args);
  vgs::cli::add_log_level_argument(app, log_level);
  app.add_option("--resume", resume, "continue the run in this folder from its last checkpoint (the recipe is its config.yaml)");
  return vgs::cli::run_program(app, argc, argv, log_level, [&] {
    if (vgs::cli::handle_config_requests(args, nullptr)) return 0;
    std::string recipe = !resume.empty() && args.recipe.empty() ? resume + "/config.yaml" : args.recipe;
    if (recipe.empty()) throw vgs::Error("no recipe given (vgs-train RECIPE, or vgs-train --resume RUN_DIR)");
    std::vector<std::string> overrides = args.overrides;
    if (!resume.empty()) overrides.push_back("run.dir=" + resume);
    vgs::core::Config config = vgs::recipe::load(recipe, overrides);
    if (vgs::cli::handle_config_requests(args, &config)) return 0;
    vgs::train::Trainer trainer(vgs::train::trainer_options(config), vgs::train::make_task(config), config.dump());
    // The other ranks of a data-parallel job say only what goes wrong; rank 0 speaks for the job.
    if (!trainer.is_main() && log_level == "info") vgs::core::set_log_level("warn");
    vgs::train::TrainResult result = trainer.run(!resume.empty());
    if (!trainer.is_main()) return result.finished ? vgs::cli::kExitOk : vgs::cli::kExitStopped;
    if (!result.finished) {
      std::cout << "stopped at step " << result.steps << "; continue with: vgs-train --resume " << result.run_dir << "\n";
      return vgs::cli::kExitStopped;  // not 0: `vgs-train ... && vgs-eval ...` must not evaluate an unfinished run
    }
    std::cout << "\n| metric | value |\n|---|---|\n";
    for (const auto& [name, value] : result.valid) std::printf("| %s | %.4f |\n", name.c_str(), value);
    for (const auto& [name, value] : result.test) {
      if (is_fraction(name)) std::printf("| %s | %.1f%% |\n", name.c_str(), 100 * value);
      else std::printf("| %s | %.4g |\n", name.c_str(), value);
    }
    std::printf("\n%lld steps (%lld skipped), %.1f items/s; run folder %s\n", static_cast<long long>(result.steps),
                static_cast<long long>(result.skipped_steps), result.items_per_second, result.run_dir.c_str());
    return 0;
  });
}
