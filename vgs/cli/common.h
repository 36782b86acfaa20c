// What every vgs program shares on its command line: the recipe with --set overrides,
// --dump-config, --help-config and --log-level, and one way of turning errors into a one-line
// message and an exit code.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "vgs/core/config.h"

namespace vgs::cli {

// Exit codes of every vgs program (docs/reliability.md).
inline constexpr int kExitOk = 0;       // done
inline constexpr int kExitFailure = 1;  // an unexpected failure (a bug: please report it)
inline constexpr int kExitError = 2;    // bad input, missing data, a filesystem error: the message says which
inline constexpr int kExitStopped = 3;  // vgs-train stopped by SIGTERM/SIGUSR1/SIGINT after a checkpoint: --resume

struct RecipeArguments {
  std::string recipe;
  std::vector<std::string> overrides;  // --set key=value
  bool dump_config = false;
  bool help_config = false;
};

void add_recipe_arguments(CLI::App& app, RecipeArguments& args);

// Command-line flags that are shorthands for recipe keys (vgs-eval --out is eval.out), so that a
// recipe and a command line mix freely: each flag given becomes one override.
class FlagOverrides {
 public:
  using Translate = std::function<std::string(const std::string& value)>;  // value -> "key=value"
  // --flag VALUE means `key`=VALUE (or what `translate` makes of VALUE).
  void add(CLI::App& app, const std::string& flag, const std::string& key, const std::string& help,
           Translate translate = nullptr);
  // An override per flag given, in the order the flags were declared, then `set` (--set wins).
  std::vector<std::string> overrides(const std::vector<std::string>& set) const;

 private:
  struct Flag {
    std::string key;
    Translate translate;
    std::unique_ptr<std::string> value;
  };
  std::vector<Flag> flags_;
};
void add_log_level_argument(CLI::App& app, std::string& level);

// Handles --help-config (prints the schema) and --dump-config (prints the resolved recipe).
// Returns true when the program's work is done.
bool handle_config_requests(const RecipeArguments& args, const core::Config* config);

// Parses the command line and runs `body` with logging set up. A bad command line, vgs::Error and
// filesystem errors become "<program>: error: <message>" on stderr and kExitError; anything else
// kExitFailure.
int run_program(CLI::App& app, int argc, char** argv, const std::string& log_level,
                const std::function<int()>& body);

}  // namespace vgs::cli
