// The full recipe schema, assembled from every layer's option groups, and the run-level keys
// (run.*, log.*). Programs load recipes through it; later layers (model, loss, train, eval) add
// their groups here.
#pragma once

#include <string>
#include <vector>

#include "vgs/core/config.h"

namespace vgs::recipe {

// The schema every recipe is checked against (built once; lives for the program).
const core::Schema& schema();

// Loads and validates a recipe with --set overrides; vgs::Error on any problem.
core::Config load(const std::string& recipe_path, const std::vector<std::string>& overrides = {});

struct RunOptions {
  std::string name;
  std::string dir;  // run directory (config, metrics, checkpoints)
  int64_t seed = 0;
  std::string log_level;
};
RunOptions run_options(const core::Config& config);

}  // namespace vgs::recipe
