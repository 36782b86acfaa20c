// The recipe keys of evaluation. Each key's default is the struct member's.
#include "vgs/eval/options.h"

#include <algorithm>

#include "vgs/core/config.h"
#include "vgs/core/config_checks.h"
#include "vgs/core/error.h"
#include "vgs/core/schema.h"
#include "vgs/core/strings.h"
#include "vgs/nn/device.h"

namespace vgs::eval {

using core::Bounds;

const std::vector<std::string>& known_tasks() {
  static const std::vector<std::string> tasks{"familiar", "me", "translation", "retrieval", "geometry"};
  return tasks;
}

namespace {
// Checked when the recipe loads (the schema's rule), so vgs-config refuses it too.
void check_tasks(const core::Config& c) {
  for (const auto& task : c.get_string_list("eval.tasks"))
    if (std::find(known_tasks().begin(), known_tasks().end(), task) == known_tasks().end())
      throw Error(core::where(c, "eval.tasks") + ": unknown task '" + task + "'; expected some of " +
                  core::join(known_tasks(), ", "));
}
}  // namespace

void add_eval_options(core::Schema& s) {
  const EvalOptions d;
  s.group("eval", "Evaluation (vgs-eval): the published test protocols over one or more runs");
  s.add_string_list("eval.tasks", d.tasks,
                    "protocols to run: familiar, me (two-way trials), translation (nearest centroid across "
                    "languages), retrieval (R@K), geometry (variance, modality gap, PCA)");
  s.add_string("eval.checkpoint", d.checkpoint, "checkpoint of each run: best (lowest validation loss, as the paper) or last",
               {"best", "last"});
  s.add_path_list("eval.trials", "trial lists for familiar and me (default: each run's splits.test_trials)");
  s.add_int("eval.items_per_word", d.items_per_word, "audio per word and language, and images per word, for translation and geometry",
            Bounds::at_least(1));
  s.add_int("eval.seed", static_cast<int64_t>(d.seed), "seed of that sample", Bounds::at_least(0));
  s.add_path("eval.out", "folder of results.json, results.md and the plots (default: RUN/eval for one run)");
  s.add_path("eval.export_embeddings", "also write the embeddings with their labels to this .h5 file");
  s.add_string("eval.device", d.device, "where the towers run: auto, cpu, cuda or cuda:N");
  s.add_check([](const core::Config& c) { check_tasks(c); });
  nn::add_device_check(s, "eval.device");
}

EvalOptions eval_options(const core::Config& c) {
  EvalOptions o;
  o.tasks = c.get_string_list("eval.tasks");
  o.checkpoint = c.get_string("eval.checkpoint");
  o.trials = c.get_string_list("eval.trials");
  o.items_per_word = c.get_int("eval.items_per_word");
  o.seed = static_cast<uint64_t>(c.get_int("eval.seed"));
  if (c.has("eval.out")) o.out_dir = c.get_string("eval.out");
  if (c.has("eval.export_embeddings")) o.export_embeddings = c.get_string("eval.export_embeddings");
  o.device = nn::device_option(c, "eval.device");
  return o;
}

}  // namespace vgs::eval
