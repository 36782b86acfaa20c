// Shared command-line handling for the vgs programs.
#include "vgs/cli/common.h"

#include <filesystem>
#include <iostream>

#include "vgs/core/error.h"
#include "vgs/core/log.h"
#include "vgs/recipe/recipe.h"

namespace vgs::cli {

void add_recipe_arguments(CLI::App& app, RecipeArguments& args) {
  app.add_option("recipe", args.recipe, "recipe file (YAML)");
  app.add_option("--set", args.overrides, "override a recipe key: --set train.lr=1e-4 (repeatable)")
      ->allow_extra_args(false);
  app.add_flag("--dump-config", args.dump_config, "print the resolved recipe and exit");
  app.add_flag("--help-config", args.help_config, "list every recipe key with its default and exit");
}

void FlagOverrides::add(CLI::App& app, const std::string& flag, const std::string& key, const std::string& help,
                        Translate translate) {
  flags_.push_back({key, std::move(translate), std::make_unique<std::string>()});
  app.add_option(flag, *flags_.back().value, help + " (" + key + ")");
}

std::vector<std::string> FlagOverrides::overrides(const std::vector<std::string>& set) const {
  std::vector<std::string> out;
  for (const auto& flag : flags_) {
    if (flag.value->empty()) continue;
    out.push_back(flag.translate ? flag.translate(*flag.value) : flag.key + "=" + *flag.value);
  }
  out.insert(out.end(), set.begin(), set.end());
  return out;
}

void add_log_level_argument(CLI::App& app, std::string& level) {
  app.add_option("--log-level", level, "trace, debug, info, warn, error or off")->capture_default_str();
}

bool handle_config_requests(const RecipeArguments& args, const core::Config* config) {
  if (args.help_config) {
    std::cout << recipe::schema().help_text();
    return true;
  }
  if (args.dump_config && config) {
    std::cout << config->dump();
    return true;
  }
  return false;
}

int run_program(CLI::App& app, int argc, char** argv, const std::string& log_level,
                const std::function<int()>& body) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help or the usage error
    return code == 0 ? kExitOk : kExitError;
  }
  try {
    core::init_logging(log_level);
    return body();
  } catch (const Error& e) {
    std::cerr << app.get_name() << ": error: " << e.what() << "\n";
    return kExitError;
  } catch (const std::filesystem::filesystem_error& e) {  // names the path: a user's problem, not a bug
    std::cerr << app.get_name() << ": error: " << e.what() << "\n";
    return kExitError;
  } catch (const std::exception& e) {
    std::cerr << app.get_name() << ": unexpected failure: " << e.what() << "\n";
    return kExitFailure;
  }
}

}  // namespace vgs::cli
