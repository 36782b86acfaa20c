// Tests of vgs-eval's aggregation and reports on hand-made run results: mean, standard error and two
// standard deviations over seeds, metrics some runs lack, the JSON schema (NaN as null), the Markdown
// table and the files.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/support/temp_dir.h"
#include "vgs/core/fs.h"
#include "vgs/eval/report.h"

using namespace vgs;
using Catch::Contains;
using json = nlohmann::json;

namespace {
eval::RunEvaluation run(const std::string& name, int64_t seed, std::map<std::string, double> metrics) {
  eval::RunEvaluation r;
  r.run_dir = "runs/" + name;
  r.run_name = name;
  r.seed = seed;
  r.checkpoint = r.run_dir + "/checkpoints/step-00000010";
  r.languages = {"en", "fr"};
  r.metrics = std::move(metrics);
  for (const auto& [k, v] : r.metrics) r.counts[k] = 650;
  return r;
}

eval::EvaluationReport two_seeds() {
  // familiar/en: 0.8 and 0.9 -> mean 0.85; sample std = sqrt(((0.05)^2 + (0.05)^2) / 1) = 0.0707107,
  // standard error = 0.0707107 / sqrt(2) = 0.05. me/fr only in the second run: n = 1, no error.
  std::vector<eval::RunEvaluation> runs{run("a", 0, {{"familiar/en", 0.8}, {"geometry/modality_gap/familiar", 0.25}}),
                                        run("b", 1, {{"familiar/en", 0.9}, {"me/fr", 0.6}, {"geometry/modality_gap/familiar", 0.75}})};
  eval::EvalOptions o;
  return eval::summarize_runs(std::move(runs), o);
}
}  // namespace

TEST_CASE("evaluation aggregates each metric over the runs that have it as mean and standard error") {
  auto report = two_seeds();
  const auto& familiar = report.summary.at("familiar/en");
  CHECK(familiar.seeds.n == 2);
  CHECK(familiar.seeds.mean == Approx(0.85));
  CHECK(familiar.seeds.standard_error == Approx(0.05));
  CHECK(familiar.values == std::vector<double>{0.8, 0.9});
  CHECK(familiar.items == 650);
  const auto& me = report.summary.at("me/fr");
  CHECK(me.seeds.n == 1);
  CHECK(std::isnan(me.seeds.standard_error));
  // gap: 0.25 and 0.75 -> mean 0.5, std 0.353553, s.e. 0.25
  CHECK(report.summary.at("geometry/modality_gap/familiar").seeds.standard_error == Approx(0.25));
}

TEST_CASE("results json follows the documented schema with null for an undefined standard error") {
  json j = json::parse(eval::results_json(two_seeds()));
  CHECK(j["schema"] == "vgs-eval/1");
  CHECK(j["checkpoint"] == "best");
  REQUIRE(j["runs"].size() == 2);
  CHECK(j["runs"][1]["name"] == "b");
  CHECK(j["runs"][1]["seed"] == 1);
  CHECK(j["runs"][1]["metrics"]["me/fr"] == 0.6);
  CHECK(j["summary"]["familiar/en"]["mean"].get<double>() == Approx(0.85));
  CHECK(j["summary"]["familiar/en"]["n"] == 2);
  CHECK(j["summary"]["familiar/en"]["values"] == json::array({0.8, 0.9}));
  CHECK(j["summary"]["me/fr"]["standard_error"].is_null());
  // Both spreads, named: sd 0.0707107, two_sd 0.141421 (the translation table's), s.e. 0.05 (Table 1's).
  CHECK(j["summary"]["familiar/en"]["standard_error"].get<double>() == Approx(0.05));
  CHECK(j["summary"]["familiar/en"]["sd"].get<double>() == Approx(0.1 / std::sqrt(2.0)));
  CHECK(j["summary"]["familiar/en"]["two_sd"].get<double>() == Approx(0.2 / std::sqrt(2.0)));
  CHECK(j["summary"]["me/fr"]["sd"].is_null());
  CHECK(j["summary"]["me/fr"]["two_sd"].is_null());
}

TEST_CASE("the results table lists metrics in task order with percentages standard errors and two sd") {
  std::string md = eval::results_markdown(two_seeds());
  CHECK_THAT(md, Contains("# vgs-eval: 2 run(s), best checkpoint"));
  // Columns: mean, ± s.e. (5.0), ± 2 sd (2 x 7.07 = 14.1), runs, items; the legend says which is which.
  CHECK_THAT(md, Contains("± s.e. is the standard error, sd / sqrt(runs)") && Contains("± 2 sd is twice the sample standard deviation"));
  CHECK_THAT(md, Contains("| familiar/en (%)") && Contains("| 85.0 |    5.0 |   14.1 |    2 |   650 |"));
  CHECK_THAT(md, Contains("| me/fr (%)") && Contains("| 60.0 |        |        |    1 |   650 |"));
  CHECK(md.find("familiar/en") < md.find("me/fr"));
  CHECK(md.find("me/fr") < md.find("geometry/modality_gap"));
  CHECK_THAT(md, Contains("- a (seed 0): runs/a/checkpoints/step-00000010"));
}

TEST_CASE("the reports are results json, results md and PNG plots") {
  test::TempDir dir;
  auto report = two_seeds();
  // A PCA needs embeddings: three audio and three images in 4 dimensions.
  auto& first = report.runs.front();
  first.audio = {torch::randn({3, 4}), {"a1", "a2", "a3"}, {"dog", "cat", "ball"}, {"en", "en", "fr"}, {false, false, true}};
  first.images = {torch::randn({3, 4}), {"i1", "i2", "i3"}, {"dog", "cat", "ball"}, {"coco", "coco", "coco"}, {false, false, true}};
  auto written = eval::write_reports(report, dir.file("out"));
  CHECK(written == std::vector<std::string>{dir.file("out/results.json"), dir.file("out/results.md"),
                                            dir.file("out/accuracy.png"), dir.file("out/pca.png")});
  for (const auto& png : {"out/accuracy.png", "out/pca.png"})
    CHECK(core::read_file(dir.file(png)).substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
  CHECK(json::parse(core::read_file(dir.file("out/results.json")))["schema"] == "vgs-eval/1");
}
