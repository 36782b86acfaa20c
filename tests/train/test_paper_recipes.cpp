// Every paper recipe (recipes/me_*.yaml: the six Table 1 models, the 2x controls, the language-links
// model) trains a few steps. The recipes are copied beside a data/me that is a trilingual toy world,
// so their own relative paths, languages and trial lists are what is read; only what needs downloads
// or hours is overridden: the backbones become the tiny random ones, one short epoch, small towers.
#include <catch2/catch.hpp>

#include <filesystem>

#include "tests/support/temp_dir.h"
#include "tests/support/toy_fixture.h"
#include "vgs/recipe/recipe.h"
#include "vgs/train/tasks.h"
#include "vgs/train/trainer.h"

using namespace vgs;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> paper_recipes() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(std::string(VGS_SOURCE_DIR) + "/recipes")) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("me_", 0) == 0 && entry.path().extension() == ".yaml") names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// recipes/*.yaml copied to dir/recipes, with dir/data/me the toy world.
void lay_out_paper_tree(const test::TempDir& dir) {
  fs::create_directories(dir.file("recipes"));
  for (const auto& name : paper_recipes())
    fs::copy_file(std::string(VGS_SOURCE_DIR) + "/recipes/" + name, dir.file("recipes/" + name));
  fs::create_directories(dir.file("data"));
  fs::create_directory_symlink(test::small_trilingual_toy_world(), dir.file("data/me"));
}

std::vector<std::string> short_run_overrides(const std::string& run_dir) {
  return {"run.dir=" + run_dir,          "audio_backbone.name=wavlm_tiny", "audio_backbone.weights=",
          "audio_backbone.layers=[2]",   "image_backbone.name=resnet_tiny", "image_backbone.weights=",
          "image.resize=32",             "model.width=64",                  "model.embed_dim=32",
          "train.epochs=1",              "train.warmup_epochs=0",           "train.batch_size=8",
          "train.threads=1",             "train.test_every_epoch=false"};
}

}  // namespace

TEST_CASE("every paper recipe trains a few steps on the toy world") {
  test::TempDir dir;
  lay_out_paper_tree(dir);
  const auto names = paper_recipes();
  REQUIRE(names.size() >= 7);  // me_paper.yaml and the six Table 1 models at least
  for (const auto& name : names) {
    if (name == "me_paper.yaml") continue;  // the shared settings, not a model
    INFO(name);
    core::Config config = recipe::load(dir.file("recipes/" + name), short_run_overrides(dir.file("runs/" + name)));
    train::Trainer trainer(train::trainer_options(config), train::make_task(config), config.dump());
    const train::TrainResult result = trainer.run(false);
    CHECK(result.finished);
    CHECK(result.steps > 0);
    CHECK(std::isfinite(result.valid.at("valid/loss")));
    // Scored on each of its languages' familiar and ME test lists.
    for (const auto& lang : config.get_string_list("splits.languages")) {
      CHECK(result.test.count("test/familiar_test_" + lang));
      CHECK(result.test.count("test/me_test_" + lang));
    }
  }
}
