// End-to-end tests of the trainer on a small toy world: the run folder's contents, resumption that
// reproduces the uninterrupted run bit for bit, and refusing to overwrite a run.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <filesystem>
#include <iomanip>

#include "tests/support/temp_dir.h"
#include "tests/support/toy_fixture.h"
#include "vgs/backbones/extraction.h"
#include "vgs/core/error.h"
#include "vgs/core/fs.h"
#include "vgs/core/log.h"
#include "vgs/data/toy_world.h"
#include "vgs/io/metrics_log.h"
#include "vgs/io/safetensors.h"
#include "vgs/recipe/recipe.h"
#include "vgs/train/feature_bank.h"
#include "vgs/train/tasks.h"
#include "vgs/train/trainer.h"

using namespace vgs;
namespace fs = std::filesystem;
using Catch::Contains;

namespace {

const std::string& small_world() { return test::small_toy_world(6, 2, 4, 64); }

std::string write_recipe(const test::TempDir& dir, const std::string& run) { return test::write_small_toy_recipe(dir, run); }

train::TrainResult run_training(const std::string& recipe_path, bool resume, const std::vector<std::string>& overrides = {}) {
  core::Config config = recipe::load(recipe_path, overrides);
  train::Trainer trainer(train::trainer_options(config), train::make_task(config), config.dump());
  return trainer.run(resume);
}

io::StateDict final_weights(const std::string& run_dir) {
  return io::read_safetensors(run_dir + "/checkpoints/last/model.safetensors").tensors;
}

}  // namespace

TEST_CASE("a toy run writes its config metrics events checkpoints and results") {
  test::TempDir dir;
  auto result = run_training(write_recipe(dir, "a"), false);
  CHECK(result.finished);
  CHECK(result.steps == 2 * 5);  // 18 items in batches of 4
  const std::string run = dir.file("a");
  for (const char* file : {"config.yaml", "metrics.jsonl", "results.json", "checkpoints/last/model.safetensors",
                           "checkpoints/last/optimizer.safetensors", "checkpoints/last/state.json", "checkpoints/best"})
    CHECK(fs::exists(run + "/" + file));
  CHECK(!fs::is_empty(run + "/tensorboard"));
  CHECK(result.valid.count("valid/loss"));
  CHECK(result.valid.count("valid/familiar_val_en"));
  CHECK(result.test.count("test/me_test_en"));
  auto records = io::read_metrics_log(run + "/metrics.jsonl");
  REQUIRE(records.size() == 1 + 10 + 2 + 1);  // the untrained model, a line per step, per epoch, and the test
  // Epoch 0: validation and test curves before the first step, as me-vgs logs them.
  CHECK(records.front().kind == "valid");
  CHECK(records.front().step == 0);
  CHECK(records.front().epoch == 0);
  CHECK(records.front().values.count("valid/loss"));
  CHECK(records.front().values.count("test/me_test_en"));
  // TensorBoard's own reader finds exactly the scalars of metrics.jsonl (train and valid lines), the
  // data wait time and the temperature among them.
  std::string expected;
  int data_wait = 0;
  for (const auto& record : records)
    if (record.kind != "test")
      for (const auto& [tag, value] : record.values) {
        expected += tag + "\t" + std::to_string(record.step) + "\t" + log::cat(std::setprecision(17), value) + "\n";
        data_wait += tag == "train/data_wait_ms";
      }
  CHECK(data_wait == 10);
  auto tensorboard = test::run_python("check_tensorboard.py", run + "/tensorboard " + dir.write("expected.tsv", expected) + " 1");
  INFO(tensorboard.output);
  CHECK(tensorboard.exit_code == 0);
  // The saved config is a recipe that loads again.
  CHECK(recipe::load(run + "/config.yaml").get_int("train.epochs") == 2);
}

TEST_CASE("a run stopped by a signal and resumed ends with the same weights as an uninterrupted run") {
  test::TempDir dir;
  run_training(write_recipe(dir, "whole"), false);
  train::stop_requested().store(true);  // as SIGTERM would: checkpoint after the next step, then stop
  auto stopped = run_training(write_recipe(dir, "cut"), false);
  train::stop_requested().store(false);
  CHECK_FALSE(stopped.finished);
  CHECK(stopped.steps == 1);
  auto resumed = run_training(dir.file("cut") + "/config.yaml", true, {"run.dir=" + dir.file("cut")});
  CHECK(resumed.finished);
  auto a = final_weights(dir.file("whole")), b = final_weights(dir.file("cut"));
  REQUIRE(a.size() == b.size());
  for (const auto& [name, tensor] : a) {
    INFO(name);
    CHECK(torch::equal(tensor, b.at(name)));
  }
}

TEST_CASE("a finished run is not overwritten and resume needs a checkpoint") {
  test::TempDir dir;
  std::string r = write_recipe(dir, "b");
  run_training(r, false);
  CHECK_THROWS_WITH(run_training(r, false), Contains("holds a run already; continue it with --resume"));
  // Resuming a finished run reports its results again and changes nothing.
  const std::string results = core::read_file(dir.file("b") + "/results.json");
  auto again = run_training(dir.file("b") + "/config.yaml", true, {"run.dir=" + dir.file("b")});
  CHECK(again.finished);
  CHECK(again.steps == 10);
  CHECK(again.test.count("test/familiar_test_en"));
  CHECK(core::read_file(dir.file("b") + "/results.json") == results);
  std::string fresh = write_recipe(dir, "c");
  CHECK_THROWS_WITH(run_training(fresh, true), Contains("--resume, but there is no checkpoint"));
}

TEST_CASE("injected NaN losses are skipped and counted, and too many in a row stop the run") {
  test::TempDir dir;
  auto result = run_training(write_recipe(dir, "nan"), false, {"debug.nan_at_steps=[2, 7]"});
  CHECK(result.finished);
  CHECK(result.steps == 10);
  CHECK(result.skipped_steps == 2);
  // The loss of a skipped step is logged as it was (NaN) so that the curve shows where it happened.
  int nan_lines = 0;
  for (const auto& record : io::read_metrics_log(dir.file("nan") + "/metrics.jsonl"))
    if (record.values.count("train/loss") && std::isnan(record.values.at("train/loss"))) ++nan_lines;
  CHECK(nan_lines == 2);
  CHECK_THROWS_WITH(run_training(write_recipe(dir, "diverged"), false,
                                 {"debug.nan_at_steps=[6, 7]", "train.max_bad_steps=2"}),
                    "training diverged: 2 non-finite steps in a row at step 7; last good checkpoint: " +
                        dir.file("diverged") + "/checkpoints/step-00000005");
}

TEST_CASE("a run killed with SIGKILL mid-epoch and resumed ends bit-identical to an uninterrupted run") {
  test::TempDir dir;
  const std::string train = test::program("vgs-train");
  auto whole = test::run_command(train + " " + write_recipe(dir, "whole") + " --set train.epochs=3 2>&1");
  REQUIRE(whole.exit_code == 0);
  // Killed at step 8 of 15 (epoch 2, 3 steps in); the last checkpoint is from step 6 (every 3 steps).
  auto killed = test::run_command(train + " " + write_recipe(dir, "killed") +
                                  " --set train.epochs=3 --set train.checkpoint_every_steps=3 --set debug.kill_at_step=8 2>&1");
  CHECK(killed.exit_code != 0);
  CHECK_FALSE(fs::exists(dir.file("killed") + "/results.json"));
  CHECK(fs::read_symlink(dir.file("killed") + "/checkpoints/last").filename() == "step-00000006");
  auto resumed = test::run_command(train + " --resume " + dir.file("killed") + " --set debug.kill_at_step=0 2>&1");
  INFO(resumed.output);
  REQUIRE(resumed.exit_code == 0);
  auto a = final_weights(dir.file("whole")), b = final_weights(dir.file("killed"));
  REQUIRE(a.size() == b.size());
  for (const auto& [name, tensor] : a) {
    INFO(name);
    CHECK(torch::equal(tensor, b.at(name)));
  }
}

TEST_CASE("the toy recipe trains through the real backbone path with tiny random WavLM and ResNet") {
  test::TempDir dir;
  auto result = run_training(write_recipe(dir, "tiny"), false,
                             {"audio_backbone.name=wavlm_tiny", "image_backbone.name=resnet_tiny", "train.epochs=1",
                              "train.warmup_epochs=0"});
  CHECK(result.finished);
  CHECK(result.steps == 5);
  CHECK(std::isfinite(result.valid.at("valid/loss")));
  CHECK(result.test.count("test/familiar_test_en"));
}

TEST_CASE("training from features read off the disk equals training from features held in memory") {
  test::TempDir dir;
  run_training(write_recipe(dir, "memory"), false, {"features.load=memory"});
  run_training(write_recipe(dir, "disk"), false, {"features.load=disk"});
  auto a = final_weights(dir.file("memory")), b = final_weights(dir.file("disk"));
  REQUIRE(a.size() == b.size());
  for (const auto& [name, tensor] : a) {
    INFO(name);
    CHECK(torch::equal(tensor, b.at(name)));
  }
}

TEST_CASE("features computed online equal the cached ones, and training runs on them") {
  test::TempDir dir;
  backbones::ExtractionOptions e;
  e.backbone.name = "fbank";
  e.manifest = small_world() + "/manifests/audio_train.jsonl";
  e.dtype = "float32";
  e.features_dir = dir.file("features");
  train::FeatureBank cached(train::cached_feature_store(e, e.backbone, {}, e.manifest));
  auto online = train::open_feature_bank(e, e.backbone, {}, e.manifest, io::FeatureOptions{"float32", "", io::FeatureLoad::online});
  CHECK_FALSE(online->in_memory());
  const std::vector<std::string> ids{"en_dog_train_001", "en_car_train_003", "en_cat_train_002"};
  auto [a, a_lengths] = cached.collate(ids);
  auto [b, b_lengths] = online->collate(ids);
  CHECK(torch::equal(a_lengths, b_lengths));
  CHECK(torch::allclose(a, b, 1e-4, 1e-4));
  auto result = run_training(write_recipe(dir, "online"), false, {"features.load=online", "train.epochs=1", "train.warmup_epochs=0"});
  CHECK(result.finished);
  CHECK(std::isfinite(result.valid.at("valid/loss")));
}

TEST_CASE("SIGTERM mid-epoch leaves a loadable checkpoint, a clean exit and a run that resumes to the same end") {
  test::TempDir dir;
  const std::string train = test::program("vgs-train");
  REQUIRE(test::run_command(train + " " + write_recipe(dir, "whole") + " 2>&1").exit_code == 0);
  auto stopped = test::run_command(train + " " + write_recipe(dir, "term") + " --set debug.term_at_step=7 2>&1");
  INFO(stopped.output);
  CHECK(stopped.exit_code == 3);  // stopped, resumable: not success
  CHECK_THAT(stopped.output, Contains("stopped at step 7; continue with: vgs-train --resume " + dir.file("term")));
  CHECK(fs::read_symlink(dir.file("term") + "/checkpoints/last").filename() == "step-00000007");
  CHECK(final_weights(dir.file("term")).size() == final_weights(dir.file("whole")).size());  // loadable
  auto resumed = test::run_command(train + " --resume " + dir.file("term") + " --set debug.term_at_step=0 2>&1");
  REQUIRE(resumed.exit_code == 0);
  auto a = final_weights(dir.file("whole")), b = final_weights(dir.file("term"));
  for (const auto& [name, tensor] : a) {
    INFO(name);
    CHECK(torch::equal(tensor, b.at(name)));
  }
}
