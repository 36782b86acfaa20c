// Model selection as me-vgs does it: the validation loss is the mean over items (a last short batch
// counts by its items, not as a whole batch), its pairs are the same for every run.seed, and they can
// come from a fixed draws file (splits.valid_draws, what vgs-prepare import-me-vgs writes).
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include "tests/support/temp_dir.h"
#include "tests/support/toy_fixture.h"
#include "vgs/data/manifest.h"
#include "vgs/data/pair_draws.h"
#include "vgs/recipe/recipe.h"
#include "vgs/train/two_tower_task.h"

using namespace vgs;
using Catch::Contains;

namespace {

// The untrained model's validation loss (initialised with torch seed 0 whatever run.seed says).
double validation_loss(const std::string& recipe, const std::vector<std::string>& overrides) {
  train::TwoTowerTask task(train::two_tower_options(recipe::load(recipe, overrides)));
  task.load_data();
  torch::manual_seed(0);
  task.build_model(c10::Device(c10::kCPU));
  return task.validate().at("valid/loss");
}

// One draw per validation audio: the first image of its word, `negatives` negatives of other words.
std::string write_draws(const test::TempDir& dir, int negatives) {
  const std::string& world = test::small_toy_world(6, 2, 4, 64);
  const auto audio = data::read_audio_manifest(world + "/manifests/audio_val.jsonl");
  const auto images = data::read_image_manifest(world + "/manifests/images_val.jsonl");
  auto of_another_word = [](const auto& items, size_t from, const std::string& word) {
    for (size_t n = 0;; ++n)
      if (items[(from + n) % items.size()].label != word) return items[(from + n) % items.size()].id;
  };
  std::vector<data::PairDraw> draws;
  for (size_t i = 0; i < audio.size(); ++i) {
    data::PairDraw d{audio[i].label, audio[i].id, "", {}, {}};
    for (const auto& image : images)
      if (image.label == d.word && d.image.empty()) d.image = image.id;
    for (size_t k = 0; k < static_cast<size_t>(negatives); ++k) {
      d.negative_audios.push_back(of_another_word(audio, i + 2 * k + 1, d.word));
      d.negative_images.push_back(of_another_word(images, i + k + 1, d.word));
    }
    draws.push_back(d);
  }
  data::write_pair_draws(dir.file("draws.jsonl"), draws);
  return dir.file("draws.jsonl");
}

}  // namespace

TEST_CASE("the validation loss is the mean over items whatever the batch size") {
  test::TempDir dir;
  const std::string recipe = test::write_small_toy_recipe(dir, "v");
  const std::string draws = "splits.valid_draws=" + write_draws(dir, 3);
  // 6 validation items: batches of 4 + 2 weigh the last batch by its 2 items; a mean of batch means
  // would differ from the one-item batches' mean.
  const double one = validation_loss(recipe, {draws, "train.batch_size=1"});
  CHECK(validation_loss(recipe, {draws, "train.batch_size=4"}) == Approx(one).epsilon(1e-6));
  CHECK(validation_loss(recipe, {draws, "train.batch_size=6"}) == Approx(one).epsilon(1e-6));
}

TEST_CASE("the validation draw is the same for every run seed") {
  test::TempDir dir;
  const std::string recipe = test::write_small_toy_recipe(dir, "v");
  const double seed0 = validation_loss(recipe, {"run.seed=0"});
  CHECK(validation_loss(recipe, {"run.seed=5"}) == seed0);
  CHECK(validation_loss(recipe, {"run.seed=0", "splits.valid_seed=2"}) != seed0);  // the draw changes the loss
}

TEST_CASE("a draws file must match the loss it is scored with") {
  test::TempDir dir;
  const std::string recipe = test::write_small_toy_recipe(dir, "v");
  const std::string path = write_draws(dir, 2);
  CHECK(test::error_of([&] { validation_loss(recipe, {"splits.valid_draws=" + path}); }) ==
        "splits.valid_draws: " + path +
            " gives each pair its own 2 negatives; that is the loss of loss.negatives: sampled with "
            "loss.negatives_per_item: 2");
  CHECK_THAT(test::error_of([&] { validation_loss(recipe, {"splits.valid_draws=" + dir.file("none.jsonl")}); }),
             Contains("splits.valid_draws: " + dir.file("none.jsonl") + " does not exist"));
}
