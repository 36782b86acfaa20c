// Tests of the language-links task and of train.resample: the recipe checks, a few training steps on a
// bilingual toy world (with a recipe written here and with the shipped recipes/toy/me_links.yaml, whose
// losses are printed), two data-parallel ranks against one process, and twice the steps per epoch with
// resample double.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <cmath>
#include <iostream>

#include "tests/support/temp_dir.h"
#include "tests/support/toy_fixture.h"
#include "vgs/data/toy_world.h"
#include "vgs/io/metrics_log.h"
#include "vgs/io/safetensors.h"
#include "vgs/recipe/recipe.h"
#include "vgs/train/links_task.h"
#include "vgs/train/tasks.h"
#include "vgs/train/trainer.h"

using namespace vgs;
using Catch::Contains;
using train::EpochResample;

namespace {

// English and French, 3 familiar words (6 train audio per word and language), made once per program.
const std::string& bilingual_world() {
  static test::TempDir dir;
  static const std::string path = [] {
    data::ToyWorldOptions o;
    o.languages = {"en", "fr"};
    o.familiar = {"dog", "cat", "car"};
    o.novel = {"ball", "cup"};
    o.train_audio = o.train_images = 6;
    o.val_audio = o.val_images = 2;
    o.test_audio = o.test_images = o.novel_audio = o.novel_images = 2;
    o.trials_per_word = 4;
    o.image_size = 64;
    o.progress = false;
    const std::string out = dir.file("world");
    data::make_toy_world(out, o);
    return out;
  }();
  return path;
}

// Points every split of `o` at bilingual_world() instead of the recipe's toy world.
void use_bilingual_world(train::TwoTowerOptions& o) {
  const std::string& w = bilingual_world();
  o.toy_world.clear();
  auto split = [&](train::Split& s, const std::string& name) {
    s.audio_manifest = data::toy_world_manifest(w, "audio", name);
    s.image_manifest = data::toy_world_manifest(w, "images", name);
  };
  split(o.train, "train");
  split(o.valid, "val");
  split(o.test, "test");
  o.valid.trials = {data::toy_world_trials(w, "familiar", "val", "en"), data::toy_world_trials(w, "familiar", "val", "fr")};
  o.test.trials = {data::toy_world_trials(w, "familiar", "test", "en"), data::toy_world_trials(w, "me", "test", "fr")};
}

// A language-links recipe on bilingual_world(), 2 epochs of 5 steps (36 audio in batches of 8).
std::string links_recipe(const test::TempDir& dir, const std::string& run) {
  const std::string& w = bilingual_world();
  auto manifest = [&](const std::string& modality, const std::string& split) { return data::toy_world_manifest(w, modality, split); };
  return dir.write(run + ".yaml", "run: {name: " + run + ", dir: " + dir.file(run) + ", seed: 2}\n"
                   "splits:\n  languages: [en, fr]\n"
                   "  train_audio: " + manifest("audio", "train") + "\n  train_images: " + manifest("images", "train") + "\n"
                   "  valid_audio: " + manifest("audio", "val") + "\n  valid_images: " + manifest("images", "val") + "\n"
                   "  valid_trials: [" + data::toy_world_trials(w, "familiar", "val", "fr") + "]\n"
                   "  test_audio: " + manifest("audio", "test") + "\n  test_images: " + manifest("images", "test") + "\n"
                   "  test_trials: [" + data::toy_world_trials(w, "me", "test", "fr") + "]\n"
                   "audio_backbone: {name: fbank}\nimage_backbone: {name: patches}\n"
                   "image: {resize: 64}\nmodel: {width: 64, embed_dim: 32}\n"
                   "loss: {negatives_per_item: 3, language_links: true}\n"
                   "train: {epochs: 2, batch_size: 8, warmup_epochs: 1, threads: 1, log_every: 1}\n");
}

// Trains `task` with the recipe's trainer settings; prints and returns the per-step training losses.
std::vector<double> train_task(const core::Config& config, std::unique_ptr<train::Task> task, train::TrainResult& result,
                               const std::string& label) {
  train::Trainer trainer(train::trainer_options(config), std::move(task), config.dump());
  result = trainer.run(false);
  std::vector<double> losses;
  for (const auto& record : io::read_metrics_log(config.get_string("run.dir") + "/metrics.jsonl"))
    if (record.kind == "train" && record.values.count("train/loss")) losses.push_back(record.values.at("train/loss"));
  std::cout << label << " training losses:";
  for (double l : losses) std::cout << " " << l;
  std::cout << "\n";
  return losses;
}

}  // namespace

TEST_CASE("a language-links recipe trains on a bilingual toy world") {
  test::TempDir dir;
  core::Config config = recipe::load(links_recipe(dir, "links"));
  auto task = train::make_task(config);
  CHECK(task->describe() == "two-tower model with language links");
  train::TrainResult result;
  auto losses = train_task(config, std::move(task), result, "language links (toy)");
  CHECK(result.finished);
  CHECK(result.steps == 2 * 5);  // 36 audio (3 words x 6 x en, fr) in batches of 8
  REQUIRE(losses.size() == 10);
  for (double l : losses) CHECK(std::isfinite(l));
  CHECK(result.valid.count("valid/loss"));
  CHECK(std::isfinite(result.valid.at("valid/loss")));
  CHECK(result.valid.count("valid/familiar_val_fr"));
  CHECK(result.test.count("test/me_test_fr"));
}

// Each item brings its own negatives, so each rank scores its share of the items (LinksTask's
// sharded_links_loss); without dropout two ranks end with one process's weights.
TEST_CASE("two Gloo ranks train the language-links weights of one process") {
  test::TempDir dir;
  const std::string recipe = links_recipe(dir, "base");
  auto command = [&](const std::string& run) {
    return test::program("vgs-train") + " " + recipe + " --set run.dir=" + dir.file(run) + " --set model.dropout=0 2>&1";
  };
  auto single = test::run_command(command("one"));
  INFO(single.output);
  REQUIRE(single.exit_code == 0);
  auto ranks = test::run_command(test::program("vgs-launch") + " --nproc 2 -- " + command("two"));
  INFO(ranks.output);
  REQUIRE(ranks.exit_code == 0);
  CHECK_THAT(ranks.output, Contains("[dist] rank 0 of 2"));
  auto a = io::read_safetensors(dir.file("one") + "/checkpoints/last/model.safetensors").tensors;
  auto b = io::read_safetensors(dir.file("two") + "/checkpoints/last/model.safetensors").tensors;
  REQUIRE(a.size() == b.size());
  double worst = 0;
  for (const auto& [name, tensor] : a) worst = std::max(worst, (tensor - b.at(name)).abs().max().item<double>());
  std::cout << "language links, 2 ranks vs 1 process: largest weight difference " << worst << "\n";
  CHECK(worst < 1e-5);
}

TEST_CASE("the shipped toy links recipe trains a few steps") {
  test::TempDir dir;
  core::Config config = recipe::load(std::string(VGS_SOURCE_DIR) + "/recipes/toy/me_links.yaml",
                                     {"run.dir=" + dir.file("run"), "train.epochs=2", "train.batch_size=12",
                                      "train.threads=1", "train.log_every=1"});
  CHECK(config.get_bool("loss.language_links"));
  // The recipe's own toy world is the full one (every language, 13 words); the small bilingual world
  // stands in for it here.
  train::TwoTowerOptions o = train::two_tower_options(config);
  use_bilingual_world(o);
  train::TrainResult result;
  auto losses = train_task(config, std::make_unique<train::LinksTask>(o), result, "recipes/toy/me_links.yaml");
  CHECK(result.finished);
  CHECK(result.steps == 2 * 3);
  for (double l : losses) CHECK(std::isfinite(l));
}

TEST_CASE("language links refuse a recipe without two languages or with shared negatives") {
  test::TempDir dir;
  const std::string r = dir.write("r.yaml", "splits:\n  languages: [en]\nloss:\n  language_links: true\n");
  CHECK_THROWS_WITH(recipe::load(r), r + ":4: loss.language_links: needs two different training languages in "
                                         "splits.languages, got [en] (from " + r + ":2)");
  CHECK_THROWS_WITH(recipe::load(r, {"splits.languages=[en, fr]", "loss.negatives=in_batch"}),
                    Contains("loss.language_links: needs loss.negatives: sampled"));
  CHECK_NOTHROW(recipe::load(r, {"splits.languages=[en, nl]"}));
  // Built by hand, the task says the same.
  train::TwoTowerOptions o;
  o.languages = {"en", "fr", "nl"};
  CHECK_THROWS_WITH(train::LinksTask(o), "loss.language_links: needs two training languages in splits.languages, got 3 "
                                         "(en, fr, nl)");
}

TEST_CASE("train.resample double gives a two-tower run twice the steps per epoch") {
  test::TempDir dir;
  const std::string r = test::write_small_toy_recipe(dir, "double");
  core::Config config = recipe::load(r, {"train.resample=double"});
  CHECK(train::two_tower_options(config).resample == EpochResample::twice);
  train::Trainer trainer(train::trainer_options(config), train::make_task(config), config.dump());
  auto result = trainer.run(false);
  CHECK(result.finished);
  CHECK(result.steps == 2 * 9);  // 2 x 18 items in batches of 4, against 5 steps an epoch with single
}
