// vgs-eval's outputs: aggregation over runs, results.json, results.md and plots.
#include "vgs/eval/report.h"

#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "vgs/core/fs.h"
#include "vgs/metrics/geometry.h"
#include "vgs/report/markdown.h"
#include "vgs/report/plot.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace vgs::eval {

namespace {
bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }
bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
json number(double x) { return std::isfinite(x) ? json(x) : json(nullptr); }  // JSON has no NaN

std::string format_value(const std::string& metric, double x) {
  if (!std::isfinite(x)) return "n/a";
  char text[64];
  if (is_percentage(metric)) std::snprintf(text, sizeof text, "%.1f", 100 * x);
  else std::snprintf(text, sizeof text, "%.4g", x);
  return text;
}
}  // namespace

bool is_percentage(const std::string& m) {
  if (starts_with(m, "phrase/")) return !ends_with(m, "/phrases") && !ends_with(m, "/groups_per_caption");
  return starts_with(m, "forced_choice/") || starts_with(m, "familiar/") || starts_with(m, "me/") || starts_with(m, "translation") || ends_with(m, "/r1") ||
         ends_with(m, "/r5") || ends_with(m, "/r10");
}

EvaluationReport summarize_runs(std::vector<RunEvaluation> runs, const EvalOptions& o) {
  EvaluationReport report;
  report.checkpoint = o.checkpoint;
  report.tasks = o.tasks;
  std::map<std::string, std::vector<double>> values;
  for (const auto& run : runs)
    for (const auto& [metric, value] : run.metrics) {
      values[metric].push_back(value);
      auto count = run.counts.find(metric);
      if (!report.summary.count(metric) && count != run.counts.end()) report.summary[metric].items = count->second;
    }
  for (auto& [metric, v] : values) {
    report.summary[metric].seeds = metrics::summarize(v);
    report.summary[metric].values = v;
  }
  report.runs = std::move(runs);
  return report;
}

std::string results_json(const EvaluationReport& report) {
  json runs = json::array();
  for (const auto& run : report.runs) {
    json m = json::object();
    for (const auto& [k, v] : run.metrics) m[k] = number(v);
    runs.push_back({{"run_dir", run.run_dir}, {"name", run.run_name}, {"seed", run.seed}, {"checkpoint", run.checkpoint},
                    {"languages", run.languages}, {"metrics", m}});
  }
  json summary = json::object();
  for (const auto& [metric, s] : report.summary) {
    json values = json::array();
    for (double v : s.values) values.push_back(number(v));
    summary[metric] = {{"mean", number(s.seeds.mean)},
                       {"standard_error", number(s.seeds.standard_error)},
                       {"sd", number(s.seeds.standard_deviation)},
                       {"two_sd", number(s.seeds.two_standard_deviations())},
                       {"n", s.seeds.n},
                       {"values", values},
                       {"items", s.items}};
  }
  json out = {{"schema", "vgs-eval/1"}, {"checkpoint", report.checkpoint}, {"tasks", report.tasks},
              {"runs", runs}, {"summary", summary}};
  return out.dump(1) + "\n";
}

namespace {
// Tasks in the order of the paper (two-way tests, translation, retrieval, geometry), keys sorted within.
std::vector<std::string> metrics_in_report_order(const EvaluationReport& report) {
  static const std::vector<std::string> order{"familiar/", "me/", "translation/", "translation_baseline/", "phrase/",
                                                   "retrieval/", "forced_choice/", "geometry/"};
  std::vector<std::string> keys;
  for (const auto& prefix : order)
    for (const auto& [metric, s] : report.summary)
      if (starts_with(metric, prefix)) keys.push_back(metric);
  for (const auto& [metric, s] : report.summary)
    if (std::find(keys.begin(), keys.end(), metric) == keys.end()) keys.push_back(metric);
  return keys;
}
}  // namespace

namespace {
// A spread for the table: blank when undefined (a single run).
std::string spread_cell(const std::string& metric, double spread) {
  return std::isfinite(spread) ? format_value(metric, spread) : "";
}
}  // namespace

std::string results_markdown(const EvaluationReport& report) {
  std::vector<std::string> header{"metric", "mean", "± s.e.", "± 2 sd", "runs", "items"};
  std::vector<std::vector<std::string>> rows;
  for (const auto& metric : metrics_in_report_order(report)) {
    const MetricSummary& s = report.summary.at(metric);
    std::string name = metric + (is_percentage(metric) ? " (%)" : "");
    rows.push_back({name, format_value(metric, s.seeds.mean), spread_cell(metric, s.seeds.standard_error),
                    spread_cell(metric, s.seeds.two_standard_deviations()), std::to_string(s.seeds.n),
                    std::to_string(s.items)});
  }
  std::string runs;
  for (const auto& run : report.runs) runs += "- " + run.run_name + " (seed " + std::to_string(run.seed) + "): " + run.checkpoint + "\n";
  // Which spread is which: the paper prints Table 1 (familiar, ME) with the standard error and the
  // translation table with two standard deviations.
  const std::string legend =
      "Over runs: ± s.e. is the standard error, sd / sqrt(runs), as in the paper's Table 1 (familiar, ME); "
      "± 2 sd is twice the sample standard deviation (ddof 1), as in its translation table. "
      "Both are blank for a single run.\n\n";
  return "# vgs-eval: " + std::to_string(report.runs.size()) + " run(s), " + report.checkpoint +
         " checkpoint, mean over runs\n\n" + legend + report::markdown_table(header, rows) + "\n" + runs;
}

namespace {

std::vector<std::string> run_languages(const EvaluationReport& report) {
  std::vector<std::string> languages;
  for (const auto& run : report.runs)
    for (const auto& lang : run.languages)
      if (std::find(languages.begin(), languages.end(), lang) == languages.end()) languages.push_back(lang);
  return languages;
}

// Which spread a chart's error bars show, as the paper does for that figure.
enum class ErrorBar { standard_error, two_standard_deviations };

report::BarSeries bar_series(const EvaluationReport& report, const std::string& name,
                             const std::vector<std::string>& metrics, ErrorBar error_bar) {
  report::BarSeries series{name, {}, {}};
  for (const auto& m : metrics) {
    auto it = report.summary.find(m);
    if (it == report.summary.end()) {
      series.values.push_back(NAN), series.errors.push_back(NAN);
      continue;
    }
    const metrics::SeedSummary& seeds = it->second.seeds;
    series.values.push_back(seeds.mean);
    series.errors.push_back(error_bar == ErrorBar::standard_error ? seeds.standard_error : seeds.two_standard_deviations());
  }
  return series;
}

bool any_value(const report::BarChart& chart) {
  for (const auto& s : chart.series)
    for (double v : s.values)
      if (std::isfinite(v)) return true;
  return false;
}

std::string runs_caption(const EvaluationReport& report, ErrorBar error_bar) {
  if (report.runs.size() == 1) return "1 run";
  return std::to_string(report.runs.size()) +
         (error_bar == ErrorBar::standard_error ? " runs, mean +- s.e." : " runs, mean +- 2 sd");
}

// Familiar and ME accuracy per language, chance at 50%.
std::string accuracy_plot(const EvaluationReport& report, const std::string& out_dir) {
  report::BarChart chart;
  chart.title = "Two-way test accuracy (" + runs_caption(report, ErrorBar::standard_error) + ")";
  chart.y_label = "accuracy (%)";
  chart.categories = run_languages(report);
  std::vector<std::string> familiar, me;
  for (const auto& lang : chart.categories) familiar.push_back("familiar/" + lang), me.push_back("me/" + lang);
  chart.series = {bar_series(report, "familiar words", familiar, ErrorBar::standard_error),
                  bar_series(report, "mutual exclusivity (novel vs familiar)", me, ErrorBar::standard_error)};
  chart.y_max = 1.1;  // room for the value labels above bars near 100%
  chart.reference_line = 0.5;
  chart.reference_label = "chance (50%)";
  chart.value_scale = 100;
  if (!any_value(chart)) return "";
  const std::string path = (fs::path(out_dir) / "accuracy.png").string();
  report::write_bar_chart(chart, path);
  return path;
}

// Translation accuracy per direction: the model against the backbone-feature baseline.
std::string translation_plot(const EvaluationReport& report, const std::string& out_dir) {
  const auto languages = run_languages(report);
  report::BarChart chart;
  chart.title = "Cross-lingual translation, nearest centroid (" + runs_caption(report, ErrorBar::two_standard_deviations) + ")";
  chart.y_label = "accuracy (%)";
  std::vector<std::string> directions;
  for (const auto& a : languages)
    for (const auto& b : languages)
      if (a != b) directions.push_back(a + "->" + b);
  if (directions.empty()) return "";
  chart.categories = directions;
  for (const auto& [name, prefix, kind] : {std::tuple{"model, familiar", "translation/", "familiar/"},
                                           {"model, novel", "translation/", "novel/"},
                                           {"backbone features, familiar", "translation_baseline/", "familiar/"},
                                           {"backbone features, novel", "translation_baseline/", "novel/"}}) {
    std::vector<std::string> keys;
    for (const auto& d : directions) keys.push_back(std::string(prefix) + kind + d);
    chart.series.push_back(bar_series(report, name, keys, ErrorBar::two_standard_deviations));
  }
  chart.y_max = 1.1;  // room for the value labels above bars near 100%
  chart.value_scale = 100;
  if (!any_value(chart)) return "";
  const std::string path = (fs::path(out_dir) / "translation.png").string();
  report::write_bar_chart(chart, path);
  return path;
}

// Text grouping: the model's phrase alignment against the equal-split and noun-chunk baselines.
std::string phrase_plot(const EvaluationReport& report, const std::string& out_dir) {
  report::BarChart chart;
  chart.title = "Phrase alignment with the gold phrases (" + runs_caption(report, ErrorBar::standard_error) + ")";
  chart.y_label = "score (%)";
  chart.categories = {"tIoU", "F1", "precision", "recall"};
  for (const auto& [name, prefix] : {std::pair{"text grouping model", "phrase/"},
                                     {"equal split baseline", "phrase/equal_split/"},
                                     {"noun chunk baseline", "phrase/noun_chunk/"}}) {
    std::vector<std::string> keys;
    for (const char* m : {"tiou", "f1", "precision", "recall"}) keys.push_back(std::string(prefix) + m);
    chart.series.push_back(bar_series(report, name, keys, ErrorBar::standard_error));
  }
  chart.y_max = 1.1;  // room for the value labels above bars near 100%
  chart.value_scale = 100;
  if (!any_value(chart)) return "";
  const std::string path = (fs::path(out_dir) / "phrase_alignment.png").string();
  report::write_bar_chart(chart, path);
  return path;
}

// PCA of the first run's audio and image embeddings together: modality gap, familiar vs novel.
std::string pca_plot(const EvaluationReport& report, const std::string& out_dir) {
  if (report.runs.empty()) return "";
  const RunEvaluation& run = report.runs.front();
  if (!run.audio.embeddings.defined() || !run.images.embeddings.defined() || run.audio.ids.size() + run.images.ids.size() < 3)
    return "";
  at::Tensor all = torch::cat({run.audio.embeddings, run.images.embeddings}).to(at::kDouble);
  metrics::Projection p = metrics::pca(all, 2);
  auto x = p.points.select(1, 0), y = p.points.select(1, 1);
  const int64_t audio_count = static_cast<int64_t>(run.audio.ids.size());
  report::ScatterPlot plot;
  char title[200];
  std::snprintf(title, sizeof title, "PCA of the embeddings, %s (PC1 %.0f%%, PC2 %.0f%% of the variance)",
                run.run_name.c_str(), 100 * p.explained_variance_ratio[0], 100 * p.explained_variance_ratio[1]);
  plot.title = title;
  plot.x_label = "PC1";
  plot.y_label = "PC2";
  for (const auto& [name, audio, novel, colour, marker] :
       {std::tuple{"audio, familiar", true, false, 0, 'o'}, {"audio, novel", true, true, 0, 'o'},
        {"image, familiar", false, false, 1, '^'}, {"image, novel", false, true, 1, '^'}}) {
    report::ScatterGroup g{name, {}, {}, colour, marker, !novel};
    const EmbeddedItems& items = audio ? run.audio : run.images;
    for (size_t i = 0; i < items.ids.size(); ++i)
      if (items.novel[i] == novel) {
        const int64_t row = (audio ? 0 : audio_count) + static_cast<int64_t>(i);
        g.xs.push_back(x[row].item<double>());
        g.ys.push_back(y[row].item<double>());
      }
    plot.groups.push_back(g);
  }
  const std::string path = (fs::path(out_dir) / "pca.png").string();
  report::write_scatter_plot(plot, path);
  return path;
}

}  // namespace

std::vector<std::string> write_reports(const EvaluationReport& report, const std::string& out_dir) {
  fs::create_directories(out_dir);
  std::vector<std::string> written;
  const std::string json_path = (fs::path(out_dir) / "results.json").string(), md_path = (fs::path(out_dir) / "results.md").string();
  core::write_file_atomic(json_path, results_json(report));
  core::write_file_atomic(md_path, results_markdown(report));
  written = {json_path, md_path};
  for (const std::string& png : {accuracy_plot(report, out_dir), translation_plot(report, out_dir), phrase_plot(report, out_dir),
                                 pca_plot(report, out_dir)})
    if (!png.empty()) written.push_back(png);
  return written;
}

}  // namespace vgs::eval
