// What the run folder promises (docs/reliability.md), through vgs-train as a user runs it: one
// writer per folder, a failed --resume touches nothing, a folder that is not a run is not written
// into, a crash's leftovers and a broken `last` link do not stop a resume, metrics hold each step
// once, and exit codes tell finished, stopped and failed runs apart.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <filesystem>
#include <map>

#include "tests/support/temp_dir.h"
#include "tests/support/toy_fixture.h"
#include "vgs/core/fs.h"
#include "vgs/io/metrics_log.h"
#include "vgs/io/safetensors.h"

using namespace vgs;
namespace fs = std::filesystem;
using Catch::Contains;

namespace {

// Every file under `dir` (links as their targets) with its bytes.
std::map<std::string, std::string> snapshot(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string relative = fs::relative(e.path(), dir).string();
    if (e.is_symlink()) files[relative] = "-> " + fs::read_symlink(e.path()).string();
    else if (e.is_regular_file()) files[relative] = core::read_file(e.path().string());
  }
  return files;
}

void check_same_weights(const std::string& a_run, const std::string& b_run) {
  auto a = io::read_safetensors(a_run + "/checkpoints/last/model.safetensors").tensors;
  auto b = io::read_safetensors(b_run + "/checkpoints/last/model.safetensors").tensors;
  REQUIRE(a.size() == b.size());
  for (const auto& [name, tensor] : a) {
    INFO(name);
    CHECK(torch::equal(tensor, b.at(name)));
  }
}

// The metrics of one kind, in file order, by step.
std::vector<io::MetricsRecord> records(const std::string& run, const std::string& kind) {
  std::vector<io::MetricsRecord> out;
  for (auto& r : io::read_metrics_log(run + "/metrics.jsonl"))
    if (r.kind == kind) out.push_back(r);
  return out;
}

const std::string& train_program() {
  static const std::string program = test::program("vgs-train");
  return program;
}

}  // namespace

TEST_CASE("a second vgs-train on a folder in use is refused at once and the first run's results stay whole") {
  test::TempDir dir;
  const std::string recipe = test::write_small_toy_recipe(dir, "busy"), run = dir.file("busy");
  // The first run trains long enough for the second to start while it holds the folder.
  auto r = test::run_command("(" + train_program() + " " + recipe + " --set train.epochs=30 > " + dir.file("first.log") +
                             " 2>&1; echo $? > " + dir.file("first.rc") + ") & "
                             "while [ ! -s " + run + "/metrics.jsonl ]; do sleep 0.05; done; " +
                             train_program() + " " + recipe + " --set run.seed=7 2>&1; echo second=$?; wait");
  INFO(r.output);
  CHECK_THAT(r.output, Contains("vgs-train: error: " + run + ": in use by process "));
  CHECK_THAT(r.output, Contains("second=2"));
  CHECK(core::read_file(dir.file("first.rc")) == "0\n");
  CHECK(fs::exists(run + "/results.json"));
  CHECK_THAT(core::read_file(run + "/config.yaml"), Contains("seed: 3"));
  CHECK(records(run, "valid").size() == 1 + 30);  // epoch 0 and each epoch, once: nothing interleaved
}

TEST_CASE("a failed --resume leaves the run folder byte for byte as it was, and the run still resumes") {
  test::TempDir dir;
  const std::string run = dir.file("r");
  REQUIRE(test::run_command(train_program() + " " + test::write_small_toy_recipe(dir, "r") +
                            " --set debug.term_at_step=7 2>&1").exit_code == 3);
  const auto before = snapshot(run);
  auto refused = test::run_command(train_program() + " --resume " + run + " --set model.width=128 2>&1");
  INFO(refused.output);
  CHECK(refused.exit_code == 2);
  CHECK_THAT(refused.output, Contains("has another shape than the model"));
  CHECK(snapshot(run) == before);
  CHECK(test::run_command(train_program() + " --resume " + run + " --set debug.term_at_step=0 2>&1").exit_code == 0);
}

TEST_CASE("a new run in a folder that is not empty and not a vgs run is refused and the folder untouched") {
  test::TempDir dir;
  const std::string folder = dir.file("mine");
  fs::create_directories(folder);
  core::write_file_atomic(folder + "/notes.txt", "my notes\n");
  auto r = test::run_command(train_program() + " " + test::write_small_toy_recipe(dir, "x") + " --set run.dir=" + folder + " 2>&1");
  CHECK(r.exit_code == 2);
  CHECK(r.output == "vgs-train: error: run.dir: " + folder +
                        " is not empty and holds no vgs run (no config.yaml, no checkpoints/): choose another run.dir, "
                        "or empty it\n");
  CHECK(snapshot(folder) == std::map<std::string, std::string>{{"notes.txt", "my notes\n"}});
}

TEST_CASE("after a crash, leftovers are removed and a broken last link falls back to the newest whole checkpoint") {
  test::TempDir dir;
  REQUIRE(test::run_command(train_program() + " " + test::write_small_toy_recipe(dir, "whole") + " 2>&1").exit_code == 0);
  const std::string run = dir.file("crash");
  auto killed = test::run_command(train_program() + " " + test::write_small_toy_recipe(dir, "crash") +
                                  " --set train.checkpoint_every_steps=3 --set debug.kill_at_step=8 2>&1");
  REQUIRE(killed.exit_code != 0);
  // What a crash in the middle of a checkpoint leaves: half-written folders and files, `last` pointing nowhere.
  fs::create_directories(run + "/checkpoints/step-00000009.tmp.4242");
  core::write_file_atomic(run + "/checkpoints/step-00000009.tmp.4242/state.json", "{");
  core::write_file_atomic(run + "/results.json.tmp.4242", "{");
  fs::remove(run + "/checkpoints/last");
  fs::create_directory_symlink("step-00000099", run + "/checkpoints/last");
  auto resumed = test::run_command(train_program() + " --resume " + run + " --set debug.kill_at_step=0 2>&1");
  INFO(resumed.output);
  REQUIRE(resumed.exit_code == 0);
  CHECK_THAT(resumed.output, Contains("resuming from " + run + "/checkpoints/step-00000006, the newest whole one"));
  CHECK_FALSE(fs::exists(run + "/checkpoints/step-00000009.tmp.4242"));
  CHECK_FALSE(fs::exists(run + "/results.json.tmp.4242"));
  check_same_weights(dir.file("whole"), run);
  // metrics.jsonl holds each step once (steps 7 and 8 were done, lost, and done again) and the
  // resumed epoch's loss covers the whole epoch, as in the uninterrupted run.
  std::vector<int64_t> steps;
  for (const auto& r : records(run, "train")) steps.push_back(r.step);
  CHECK(steps == std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  auto a = records(dir.file("whole"), "valid"), b = records(run, "valid");
  REQUIRE(a.size() == 1 + 2);  // epoch 0 (before training), then each epoch
  REQUIRE(b.size() == 1 + 2);
  CHECK(a[0].values == b[0].values);
  for (size_t i = 1; i < 3; ++i) CHECK(a[i].values.at("train/epoch_loss") == b[i].values.at("train/epoch_loss"));
}

TEST_CASE("a stop at an epoch's end resumes through the same step folder without a dangling last link") {
  test::TempDir dir;
  REQUIRE(test::run_command(train_program() + " " + test::write_small_toy_recipe(dir, "whole") + " 2>&1").exit_code == 0);
  const std::string run = dir.file("edge");
  // Step 5 ends epoch 1: the stop saves step-00000005, and the resume saves it again at the epoch's end.
  auto stopped = test::run_command(train_program() + " " + test::write_small_toy_recipe(dir, "edge") +
                                   " --set debug.term_at_step=5 2>&1");
  REQUIRE(stopped.exit_code == 3);
  CHECK(fs::read_symlink(run + "/checkpoints/last").filename() == "step-00000005");
  auto resumed = test::run_command(train_program() + " --resume " + run + " --set debug.term_at_step=0 2>&1");
  INFO(resumed.output);
  REQUIRE(resumed.exit_code == 0);
  for (const auto& e : fs::directory_iterator(run + "/checkpoints"))
    CHECK(e.path().filename().string().find(".tmp.") == std::string::npos);
  check_same_weights(dir.file("whole"), run);
}

TEST_CASE("Ctrl-C checkpoints and stops with the stopped exit code and the run resumes to its end") {
  test::TempDir dir;
  const std::string recipe = test::write_small_toy_recipe(dir, "ctrlc"), run = dir.file("ctrlc");
  auto r = test::run_command(train_program() + " " + recipe + " --set train.epochs=60 > " + dir.file("log") + " 2>&1 & pid=$!; "
                             "while [ ! -s " + run + "/metrics.jsonl ]; do sleep 0.05; done; kill -INT $pid; wait $pid; "
                             "echo rc=$?");
  INFO(core::read_file(dir.file("log")));
  CHECK_THAT(r.output, Contains("rc=3"));
  CHECK_THAT(core::read_file(dir.file("log")), Contains("continue with: vgs-train --resume " + run));
  CHECK(fs::exists(run + "/checkpoints/last/state.json"));
  CHECK(test::run_command(train_program() + " --resume " + run + " 2>&1").exit_code == 0);
}

TEST_CASE("filesystem errors and bad command lines exit 2 with one line") {
  test::TempDir dir;
  const std::string file = dir.write("a-file", "x");
  auto r = test::run_command(train_program() + " " + test::write_small_toy_recipe(dir, "fs") + " --set run.dir=" + file +
                             "/run 2>&1");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.output, Contains(file + "/run"));
  CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);
  CHECK(test::run_command(test::program("vgs-eval") + " --runs 2>&1").exit_code == 2);
}
