// The recipe keys of evaluation (eval.*) and their typed form: which protocols vgs-eval runs, on
// which checkpoint, trials and samples.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vgs::core {
class Schema;
class Config;
}  // namespace vgs::core

namespace vgs::eval {

void add_eval_options(core::Schema& schema);

struct EvalOptions {
  // familiar, me (two-way trials), translation, retrieval, geometry.
  std::vector<std::string> tasks{"familiar", "me"};
  std::string checkpoint = "best";     // best (lowest validation loss, as the paper) or last
  std::vector<std::string> trials;     // trial lists; empty: each run's splits.test_trials
  int64_t items_per_word = 30;         // translation / geometry sample per (word, language); me-vgs: 30
  uint64_t seed = 42;                  // of that sample
  std::string out_dir;                 // results.json, results.md, PNGs
  std::string export_embeddings;       // an .h5 file of the embeddings, or ""
  std::string device = "auto";
};

EvalOptions eval_options(const core::Config& config);

// The tasks vgs-eval knows, in report order.
const std::vector<std::string>& known_tasks();

}  // namespace vgs::eval
