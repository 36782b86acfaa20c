// vgs-config: checks a recipe and prints it resolved (extends: followed, --set applied, defaults
// filled), so a typo is found before a job waits in a cluster queue.
#include <iostream>

#include "vgs/cli/common.h"
#include "vgs/recipe/recipe.h"

int main(int argc, char** argv) {
  CLI::App app{"Check a vgs recipe and print it resolved", "vgs-config"};
  vgs::cli::RecipeArguments args;
  std::string log_level = "warn";
  vgs::cli::add_recipe_arguments(app, args);
  vgs::cli::add_log_level_argument(app, log_level);
  return vgs::cli::run_program(app, argc, argv, log_level, [&] {
    if (vgs::cli::handle_config_requests(args, nullptr)) return 0;
    vgs::core::Config config = args.recipe.empty()
                                   ? vgs::core::Config::from_overrides(vgs::recipe::schema(), args.overrides)
                                   : vgs::recipe::load(args.recipe, args.overrides);
    std::cout << config.dump();
    return 0;
  });
}
