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
  // Text grouping runs (docs/text_grouping.md): another caption test split and forced-choice sets
  // than the run's own, and how many test captions get an attention-map figure.
  std::string captions, caption_images;
  std::vector<std::string> forced_choice;
  int64_t attention_captions = 4;
};

EvalOptions eval_options(const core::Config& config);

// The tasks vgs-eval knows, in report order.
const std::vector<std::string>& known_tasks();
// The tasks of a text grouping run; and those it runs when eval.tasks is left at its (two-tower) default.
const std::vector<std::string>& text_grouping_tasks();
// The tasks `o` asks of a text grouping run: vgs::Error naming eval.tasks for a two-tower-only one.
std::vector<std::string> tasks_for_text_grouping(const EvalOptions& o);

}  // namespace vgs::eval
