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
  static const std::vector<std::string> tasks{"familiar",         "me",          "translation",   "retrieval",
                                              "geometry",         "phrase_alignment", "forced_choice", "attention_maps"};
  return tasks;
}

const std::vector<std::string>& text_grouping_tasks() {
  static const std::vector<std::string> tasks{"phrase_alignment", "retrieval", "forced_choice", "attention_maps"};
  return tasks;
}

std::vector<std::string> tasks_for_text_grouping(const EvalOptions& o) {
  if (o.tasks == EvalOptions{}.tasks) return text_grouping_tasks();
  for (const std::string& task : o.tasks)
    if (std::find(text_grouping_tasks().begin(), text_grouping_tasks().end(), task) == text_grouping_tasks().end())
      throw Error("eval.tasks: '" + task + "' is a two-tower protocol; a text grouping run takes " +
                  core::join(text_grouping_tasks(), ", "));
  return o.tasks;
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
                    "languages), retrieval (R@K), geometry (variance, modality gap, PCA); text grouping runs: phrase_alignment, "
                    "retrieval, forced_choice, attention_maps (all four when this is left at its default)");
  s.add_string("eval.checkpoint", d.checkpoint, "checkpoint of each run: best (lowest validation loss, as the paper) or last",
               {"best", "last"});
  s.add_path_list("eval.trials", "trial lists for familiar and me (default: each run's splits.test_trials)");
  s.add_int("eval.items_per_word", d.items_per_word, "audio per word and language, and images per word, for translation and geometry",
            Bounds::at_least(1));
  s.add_int("eval.seed", static_cast<int64_t>(d.seed), "seed of that sample", Bounds::at_least(0));
  s.add_path("eval.out", "folder of results.json, results.md and the plots (default: RUN/eval for one run)");
  s.add_path("eval.export_embeddings", "also write the embeddings with their labels to this .h5 file");
  s.add_path("eval.captions", "text grouping: a caption manifest with phrase spans to test on instead of the run's captions.test");
  s.add_path("eval.caption_images", "text grouping: the image manifest of eval.captions");
  s.add_path_list("eval.forced_choice", "text grouping: forced-choice JSON Lines to score instead of the run's captions.test_forced_choice");
  s.add_int("eval.attention_captions", d.attention_captions,
            "text grouping: test captions whose grouping-block attention is drawn (attention_maps)", Bounds::at_least(1));
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
  if (c.has("eval.captions")) o.captions = c.get_string("eval.captions");
  if (c.has("eval.caption_images")) o.caption_images = c.get_string("eval.caption_images");
  if (o.captions.empty() != o.caption_images.empty())
    throw Error(core::where(c, o.captions.empty() ? "eval.caption_images" : "eval.captions") +
                ": eval.captions and eval.caption_images go together (the captions and the manifest of their images)");
  o.forced_choice = c.get_string_list("eval.forced_choice");
  o.attention_captions = c.get_int("eval.attention_captions");
  return o;
}

}  // namespace vgs::eval
