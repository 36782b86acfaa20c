// Tests of the shipped recipes: each one loads, the paper recipes carry the paper's settings, and
// training without prepared data says what to prepare instead of failing somewhere deep.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/support/temp_dir.h"
#include "vgs/core/config.h"
#include "vgs/recipe/recipe.h"

using namespace vgs;
using Catch::Contains;

namespace {
std::string recipe_path(const std::string& name) { return std::string(VGS_SOURCE_DIR) + "/recipes/" + name; }

// Every recipe under recipes/, found when the test runs (so a new one is covered), relative and sorted.
std::vector<std::string> all_recipes() {
  namespace fs = std::filesystem;
  const fs::path root = recipe_path("");
  std::vector<std::string> names;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    const auto extension = entry.path().extension();
    if (entry.is_regular_file() && (extension == ".yaml" || extension == ".yml"))
      names.push_back(entry.path().lexically_relative(root).generic_string());
  }
  std::sort(names.begin(), names.end());
  return names;
}
}  // namespace

TEST_CASE("the paper recipes load with the me-vgs settings and their languages") {
  for (const auto& [name, languages] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"me_monolingual_en.yaml", {"en"}}, {"me_bilingual.yaml", {"en", "fr"}}, {"me_bilingual_en_nl.yaml", {"en", "nl"}}}) {
    INFO(name);
    core::Config c = recipe::load(recipe_path(name));
    CHECK(c.get_string_list("splits.languages") == languages);
    CHECK(c.get_string_list("splits.test_trials").size() == 2 * languages.size());
    // Trial lists are paths: relative to the recipe that names them, like the manifests.
    CHECK(c.get_string_list("splits.test_trials").front() ==
          std::string(VGS_SOURCE_DIR) + "/data/me/trials/familiar_test_" + languages.front() + ".jsonl");
    CHECK(c.get_string("audio_backbone.name") == "wavlm_base_plus");
    CHECK(c.get_int_list("audio_backbone.layers") == std::vector<int64_t>{12});
    CHECK(c.get_string("image_backbone.name") == "dino_resnet50");
    CHECK(c.get_int("image.resize") == 256);
    CHECK(c.get_string("model.temperature") == "fixed");
    CHECK(c.get_float("model.fixed_scale") == 100.0);
    CHECK(c.get_int("train.epochs") == 24);
    CHECK(c.get_float("train.warmup_epochs") == 4.0);
    CHECK(c.get_int("train.batch_size") == 60);
    CHECK(c.get_float("train.lr") == 2e-4);
    CHECK(c.get_float("train.weight_decay") == 5e-7);
    CHECK(c.get_int("loss.negatives_per_item") == 11);
  }
}

TEST_CASE("every recipe under recipes/ loads and resolves") {
  const auto names = all_recipes();
  // The walk goes into subfolders: the evaluation recipes are found too.
  REQUIRE(std::find(names.begin(), names.end(), "eval/me.yaml") != names.end());
  for (const auto& name : names) {
    INFO(name);
    CHECK_NOTHROW(recipe::load(recipe_path(name)).dump());
  }
}

TEST_CASE("every shipped toy recipe loads") {
  for (const char* name : {"toy/me_bilingual.yaml", "toy/me_bilingual_tiny.yaml", "extract_wavlm.yaml", "extract_dino.yaml"}) {
    INFO(name);
    auto r = test::run_command(test::program("vgs-config") + " " + recipe_path(name) + " 2>&1");
    INFO(r.output);
    CHECK(r.exit_code == 0);
  }
}

TEST_CASE("a paper recipe without prepared data names the key, the path and docs/data.md") {
  test::TempDir dir;
  const std::string missing = dir.file("nowhere/audio_train.jsonl");
  auto r = test::run_command(test::program("vgs-train") + " " + recipe_path("me_bilingual.yaml") + " --set run.dir=" +
                             dir.file("run") + " --set splits.train_audio=" + missing + " 2>&1");
  CHECK(r.exit_code != 0);
  CHECK(r.output == "vgs-train: error: splits.train_audio: " + missing +
                        " does not exist: prepare the data as docs/data.md describes (or train on the toy world: "
                        "recipes/toy/me_bilingual.yaml)\n");
}
