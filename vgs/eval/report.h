// vgs-eval's outputs: the metrics of several runs (seeds) aggregated as mean, standard error and two
// standard deviations (the paper uses both spreads), written as results.json (schema in
// docs/evaluation.md), results.md (a table to paste) and PNG plots (accuracy bars with s.e. bars,
// translation bars with 2 sd bars, a PCA scatter of the embeddings).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "vgs/eval/evaluator.h"
#include "vgs/metrics/aggregate.h"

namespace vgs::eval {

struct MetricSummary {
  metrics::SeedSummary seeds;  // over the runs that have the metric
  std::vector<double> values;  // one per such run, in run order
  int64_t items = 0;           // trials or items behind the metric in one run (the first)
};

struct EvaluationReport {
  std::string checkpoint;  // "best" or "last"
  std::vector<std::string> tasks;
  std::vector<RunEvaluation> runs;
  std::map<std::string, MetricSummary> summary;  // by metric key
};

EvaluationReport summarize_runs(std::vector<RunEvaluation> runs, const EvalOptions& options);

// True for metrics that are fractions shown as percentages (accuracies, recalls).
bool is_percentage(const std::string& metric);

std::string results_json(const EvaluationReport& report);
std::string results_markdown(const EvaluationReport& report);

// results.json, results.md and the plots into `out_dir` (created), each file written atomically.
// Returns the paths written.
std::vector<std::string> write_reports(const EvaluationReport& report, const std::string& out_dir);

}  // namespace vgs::eval
