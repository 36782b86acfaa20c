// Data-parallel training through the programs: `vgs-launch --nproc 2 -- vgs-train` (Gloo on CPU)
// against one vgs-train process with the same global batch, for each kind of negatives; a 2-rank run
// stopped by SIGTERM and resumed against an uninterrupted one; one rank killed ends the job.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <chrono>
#include <filesystem>

#include "tests/support/temp_dir.h"
#include "tests/support/toy_fixture.h"
#include "vgs/io/safetensors.h"

using namespace vgs;
namespace fs = std::filesystem;
using Catch::Contains;

namespace {

// The largest difference between the final weights of two runs.
double weight_difference(const std::string& a_run, const std::string& b_run) {
  auto a = io::read_safetensors(a_run + "/checkpoints/last/model.safetensors").tensors;
  auto b = io::read_safetensors(b_run + "/checkpoints/last/model.safetensors").tensors;
  REQUIRE(a.size() == b.size());
  double worst = 0;
  for (const auto& [name, tensor] : a) worst = std::max(worst, (tensor - b.at(name)).abs().max().item<double>());
  return worst;
}

// Dropout draws differ between one process and two, so the comparisons train without it.
std::string train_command(const std::string& recipe, const std::string& run, const std::string& negatives) {
  return test::program("vgs-train") + " " + recipe + " --set run.dir=" + run + " --set model.dropout=0" +
         " --set loss.negatives=" + negatives + " --set train.threads=1";
}

std::string launch(int ranks, const std::string& command) {
  return test::program("vgs-launch") + " --nproc " + std::to_string(ranks) + " -- " + command;
}

}  // namespace

TEST_CASE("two Gloo ranks train the weights of one process with the same global batch, for every kind of negatives") {
  test::TempDir dir;
  const std::string recipe = test::write_small_toy_recipe(dir, "base");
  for (std::string negatives : {"sampled", "sampled_shared", "in_batch"}) {
    INFO(negatives);
    const std::string one = dir.file(negatives + "_one"), two = dir.file(negatives + "_two");
    auto single = test::run_command(train_command(recipe, one, negatives));
    INFO(single.output);
    REQUIRE(single.exit_code == 0);
    auto ranks = test::run_command(launch(2, train_command(recipe, two, negatives)));
    INFO(ranks.output);
    REQUIRE(ranks.exit_code == 0);
    CHECK_THAT(ranks.output, Contains("[dist] rank 0 of 2 (torchrun variables, Gloo on cpu)"));
    CHECK(weight_difference(one, two) < 1e-5);
  }
}

TEST_CASE("a 2-rank run stopped by SIGTERM and resumed ends with the weights of an uninterrupted one") {
  test::TempDir dir;
  const std::string recipe = test::write_small_toy_recipe(dir, "base");
  const std::string whole = dir.file("whole"), stopped = dir.file("stopped");
  // With dropout (0.1): each rank's masks must be drawn again after the resume as they were.
  const std::string dropout = " --set model.dropout=0.1";
  REQUIRE(test::run_command(launch(2, train_command(recipe, whole, "sampled") + dropout)).exit_code == 0);
  // Step 7 is inside the second epoch: every rank stops there, rank 0 writes the checkpoint.
  auto first = test::run_command(launch(2, train_command(recipe, stopped, "sampled") + dropout + " --set debug.term_at_step=7"));
  INFO(first.output);
  CHECK(first.exit_code == 3);
  CHECK(fs::exists(stopped + "/checkpoints/step-00000007/model.safetensors"));
  auto resumed = test::run_command(launch(2, test::program("vgs-train") + " --resume " + stopped));
  INFO(resumed.output);
  REQUIRE(resumed.exit_code == 0);
  CHECK(weight_difference(whole, stopped) == 0);
}

TEST_CASE("a rank killed mid-run ends the whole job with a non-zero exit and no partial checkpoint") {
  test::TempDir dir;
  const std::string recipe = test::write_small_toy_recipe(dir, "base");
  const std::string run = dir.file("killed");
  const auto start = std::chrono::steady_clock::now();
  auto r = test::run_command(launch(2, train_command(recipe, run, "sampled") +
                                           " --set debug.kill_at_step=3 --set debug.kill_rank=1 --set train.dist_timeout_seconds=30"));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  INFO(r.output);
  CHECK(r.exit_code == 128 + 9);
  CHECK(seconds < 60);
  CHECK_THAT(r.output, Contains("rank 1 (pid ") && Contains("was killed by signal 9"));
  CHECK_THAT(r.output, Contains("rank 0: all-reduce failed: another rank ended or stopped answering"));
  if (fs::exists(run + "/checkpoints"))
    for (const auto& e : fs::directory_iterator(run + "/checkpoints"))
      CHECK(e.path().filename().string().find(".tmp.") == std::string::npos);
}

TEST_CASE("train.precision bf16 trains under autocast, near the fp32 run but not equal to it") {
  test::TempDir dir;
  const std::string recipe = test::write_small_toy_recipe(dir, "base");
  const std::string exact = dir.file("fp32"), bf16 = dir.file("bf16");
  REQUIRE(test::run_command(train_command(recipe, exact, "sampled")).exit_code == 0);
  auto r = test::run_command(train_command(recipe, bf16, "sampled") + " --set train.precision=bf16");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const double difference = weight_difference(exact, bf16);
  CHECK(difference > 0);     // the matmuls did run in bf16
  CHECK(difference < 0.05);  // and training went the same way (10 Adam steps of lr 2e-4 move weights ~2e-3)
  auto bad = test::run_command(train_command(recipe, dir.file("bad"), "sampled") + " --set train.precision=fp16");
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.output, Contains("train.precision"));
}
