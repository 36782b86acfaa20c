// vgs-eval on a text grouping run (see text_grouping_eval.h).
#include "vgs/eval/text_grouping_eval.h"

#include <torch/torch.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>

#include "vgs/core/log.h"
#include "vgs/data/forced_choice.h"
#include "vgs/core/strings.h"
#include "vgs/nn/device.h"
#include "vgs/report/plot.h"
#include "vgs/train/checkpoint.h"
#include "vgs/train/run.h"
#include "vgs/train/text_grouping_task.h"

namespace vgs::eval {

namespace {

bool has(const std::vector<std::string>& tasks, const std::string& task) {
  return std::find(tasks.begin(), tasks.end(), task) != tasks.end();
}

// The metric families each task owns (the task's score computes them all at once).
bool metric_wanted(const std::string& metric, const std::vector<std::string>& tasks) {
  if (core::starts_with(metric, "phrase/")) return has(tasks, "phrase_alignment");
  if (core::starts_with(metric, "retrieval/")) return has(tasks, "retrieval");
  if (core::starts_with(metric, "forced_choice/")) return has(tasks, "forced_choice");
  return false;
}

// eval.captions / eval.forced_choice replace the run's own test data.
void use_eval_test_data(train::TextGroupingOptions& run, const EvalOptions& o) {
  if (!o.captions.empty()) run.test.captions = o.captions, run.test.images = o.caption_images;
  if (!o.forced_choice.empty()) run.test.forced_choice = o.forced_choice;
}

// A file name from a caption id ("coco/123#2" -> "coco_123_2").
std::string file_stem(const std::string& id) {
  std::string stem = id;
  for (char& c : stem)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') c = '_';
  return stem;
}

// Rows: the caption's tokens, columns: the groups; a cell is the soft assignment, and the picked
// (hard) group is named in the row label so the two can be read together.
report::Heatmap attention_figure(const train::AttentionMap& map) {
  report::Heatmap h;
  h.title = "Grouping-block attention: \"" + map.text + "\"";
  h.x_label = "group";
  h.y_label = "token (hard group)";
  h.colour_label = "soft assignment";
  const size_t groups = map.soft.empty() ? 0 : map.soft.front().size();
  for (size_t k = 0; k < groups; ++k) h.column_labels.push_back(std::to_string(k));
  for (size_t t = 0; t < map.tokens.size(); ++t) h.row_labels.push_back(map.tokens[t] + " (" + std::to_string(map.hard[t]) + ")");
  h.values = map.soft;
  h.v_min = 0;
  h.v_max = 1;
  h.annotate = map.tokens.size() <= 40 && groups <= 16;
  h.width = 900;
  h.height = std::max(600, 160 + 28 * static_cast<int>(map.tokens.size()));
  return h;
}

std::vector<std::string> write_attention_maps(train::TextGroupingTask& task, int64_t count, const std::string& dir) {
  std::vector<std::string> written;
  std::filesystem::create_directories(dir);
  for (const train::AttentionMap& map : task.attention_maps(count)) {
    const report::Heatmap figure = attention_figure(map);
    for (const char* extension : {".png", ".pdf"}) {
      written.push_back(dir + "/" + file_stem(map.caption_id) + extension);
      report::write_heatmap(figure, written.back());
    }
  }
  return written;
}

// How many things each metric averages over (the report's "items" column): phrases, caption or
// image queries, forced-choice items.
int64_t metric_count(const std::string& metric, const train::CaptionSplitData& test, const std::map<std::string, double>& metrics) {
  if (core::starts_with(metric, "phrase/")) return metrics.count("phrase/phrases") ? static_cast<int64_t>(metrics.at("phrase/phrases")) : 0;
  if (core::starts_with(metric, "retrieval/text_to_image/")) return static_cast<int64_t>(test.caption_ids.size());
  if (core::starts_with(metric, "retrieval/image_to_text/"))
    return static_cast<int64_t>(std::set<std::string>(test.image_ids.begin(), test.image_ids.end()).size());
  for (const train::ForcedChoiceSet& set : test.forced_choice)
    if (core::starts_with(metric, "forced_choice/" + std::filesystem::path(set.file).stem().string() + "/"))
      return static_cast<int64_t>(set.items.size());
  return 0;
}

}  // namespace

RunEvaluation evaluate_text_grouping_run(const std::string& run_dir, train::TextGroupingOptions run, const EvalOptions& o,
                                         const std::string& figures_dir) {
  const std::vector<std::string> tasks = tasks_for_text_grouping(o);
  RunEvaluation r;
  r.run_dir = run_dir;
  r.run_name = run.run_name;
  r.seed = static_cast<int64_t>(run.seed);
  r.checkpoint = train::RunFolder::open(run_dir).checkpoint_for_evaluation(o.checkpoint);
  use_eval_test_data(run, o);
  train::TextGroupingTask task(run);
  task.load_test_data();
  task.build_model(nn::resolve_device(o.device, "eval.device"));
  train::load_model_weights(r.checkpoint, task.model());
  log::info("[eval] ", run_dir, ": checkpoint ", r.checkpoint);
  if (has(tasks, "phrase_alignment") || has(tasks, "retrieval") || has(tasks, "forced_choice"))
    for (const auto& [key, value] : task.test()) {
      const std::string metric = key.substr(std::string("test/").size());
      if (metric_wanted(metric, tasks)) r.metrics[metric] = value;
    }
  for (const auto& [metric, value] : r.metrics) r.counts[metric] = metric_count(metric, task.test_data(), r.metrics);
  if (has(tasks, "attention_maps")) r.figures = write_attention_maps(task, o.attention_captions, figures_dir + "/attention");
  return r;
}

}  // namespace vgs::eval
