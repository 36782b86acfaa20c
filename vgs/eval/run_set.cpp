// Checks on the set of runs vgs-eval aggregates (see run_set.h).
#include "vgs/eval/run_set.h"

#include <algorithm>
#include <filesystem>
#include <string>

#include "vgs/core/config.h"
#include "vgs/core/error.h"
#include "vgs/core/log.h"
#include "vgs/core/strings.h"

namespace vgs::eval {

namespace {

// Identity, machine, speed and logging: seeds of one model may differ here.
bool may_differ_between_seeds(const std::string& key) {
  static const std::vector<std::string> prefixes = {"run.", "log.", "debug.", "eval."};
  static const std::vector<std::string> keys = {
      "train.threads",          "train.device",           "train.log_every",        "train.keep_checkpoints",
      "train.checkpoint_every_steps", "extract.device",   "extract.batch_size",     "extract.max_batch_seconds",
      "extract.items_per_shard", "data.loader_threads",   "features.load",          "features.memory_limit_gb"};
  for (const auto& prefix : prefixes)
    if (core::starts_with(key, prefix)) return true;
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

// The key's value as text, "(unset)" when it has none.
std::string value_text(const core::Value* value) { return value ? core::value_to_string(*value) : "(unset)"; }

// The problem with this set of runs, or "" when there is none.
std::string problem_of(const std::vector<std::string>& dirs, const std::vector<core::Config>& configs) {
  namespace fs = std::filesystem;
  for (size_t i = 0; i < dirs.size(); ++i)
    for (size_t j = 0; j < i; ++j) {
      std::error_code ec;
      if (fs::weakly_canonical(dirs[i], ec) == fs::weakly_canonical(dirs[j], ec))
        return dirs[i] + " is given twice (it would count as two seeds)";
      if (auto keys = differing_model_keys(configs[j], configs[i]); !keys.empty())
        return dirs[i] + " is not a seed of the model of " + dirs[j] + ": they differ in " + core::join(keys, ", ");
      if (configs[i].get_int("run.seed") == configs[j].get_int("run.seed"))
        return dirs[i] + " and " + dirs[j] + " have the same run.seed (" + std::to_string(configs[i].get_int("run.seed")) +
               "): they are not independent seeds";
    }
  return "";
}

}  // namespace

std::vector<std::string> differing_model_keys(const core::Config& a, const core::Config& b) {
  std::vector<std::string> differing;
  for (const auto& key : a.schema().keys()) {
    if (may_differ_between_seeds(key.path)) continue;
    const core::Value *x = a.find(key.path), *y = b.find(key.path);
    if (x && y ? *x != *y : x != y)
      differing.push_back(key.path + " (" + value_text(x) + " vs " + value_text(y) + ")");
  }
  return differing;
}

void check_run_set(const std::vector<std::string>& dirs, const std::vector<core::Config>& configs, bool allow_mixed) {
  const std::string problem = problem_of(dirs, configs);
  if (problem.empty()) return;
  if (!allow_mixed) throw Error("--runs: " + problem + "; pass --allow-mixed to aggregate them anyway");
  log::warn("[eval] --allow-mixed: ", problem);
}

}  // namespace vgs::eval
