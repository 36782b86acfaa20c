// The full recipe schema, assembled from every layer's option group (run and log keys from core,
// audio/image/features from io, data from data, extract from backbones, training from train).
#pragma once

#include <string>
#include <vector>

#include "vgs/core/config.h"
#include "vgs/core/run_options.h"

namespace vgs::recipe {

// The schema every recipe is checked against (built once; lives for the program).
const core::Schema& schema();

// Loads and validates a recipe with --set overrides (an empty path: the defaults with the overrides);
// vgs::Error on any problem.
core::Config load(const std::string& recipe_path, const std::vector<std::string>& overrides = {});

using core::run_options;
using core::RunOptions;

}  // namespace vgs::recipe
