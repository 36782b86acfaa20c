// The runs one vgs-eval aggregates as seeds of one model: each run once, and all of one
// configuration, so that "mean ± s.e. over 3 seeds" means what it says. Keys that only say where
// and how a run ran (its folder, seed, threads, device, logging) may differ.
#pragma once

#include <string>
#include <vector>

namespace vgs::core {
class Config;
}  // namespace vgs::core

namespace vgs::eval {

// The keys whose values differ between two runs' configurations, as "key (a vs b)", schema order,
// leaving out the keys that may differ between seeds of one model.
std::vector<std::string> differing_model_keys(const core::Config& a, const core::Config& b);

// vgs::Error when a run folder is given twice or two runs differ in their model configuration
// (naming the keys), unless `allow_mixed`, in which case the same is logged as a warning.
void check_run_set(const std::vector<std::string>& dirs, const std::vector<core::Config>& configs, bool allow_mixed);

}  // namespace vgs::eval
