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
           {"me_monolingual_en.yaml", {"en"}},       {"me_monolingual_fr.yaml", {"fr"}},
           {"me_monolingual_nl.yaml", {"nl"}},       {"me_bilingual.yaml", {"en", "fr"}},
           {"me_bilingual_en_nl.yaml", {"en", "nl"}}, {"me_bilingual_fr_nl.yaml", {"fr", "nl"}},
           {"me_monolingual_en_2x.yaml", {"en"}},    {"me_monolingual_fr_2x.yaml", {"fr"}},
           {"me_monolingual_nl_2x.yaml", {"nl"}},    {"me_links_en_fr.yaml", {"en", "fr"}}}) {
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
    CHECK(c.get_string("features.dtype") == "float32");  // me-vgs caches float32
    CHECK(c.get_string("train.resample") == (name.find("_2x") != std::string::npos ? "double" : "single"));
    CHECK(c.get_bool("loss.language_links") == (name.find("links") != std::string::npos));
    CHECK(c.get_bool("train.evaluate_before_training"));
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
  for (const char* name : {"toy/me_bilingual.yaml", "toy/me_bilingual_tiny.yaml", "toy/me_links.yaml", "extract_wavlm.yaml",
                           "extract_dino.yaml"}) {
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

// Strict recipes (docs/reliability.md, "Recipes"): what vgs-config refuses, vgs-train refuses with the
// same line, and the other way round.
namespace {
struct Refusal {
  int exit_code;
  std::string message;  // the output with the program's "NAME: error: " prefix removed
};

Refusal refusal(const std::string& name, const std::string& arguments) {
  auto r = test::run_command(test::program(name) + " " + arguments + " 2>&1");
  const std::string prefix = name + ": error: ";
  std::string message = r.output.rfind(prefix, 0) == 0 ? r.output.substr(prefix.size()) : "(unprefixed) " + r.output;
  return {r.exit_code, message};
}

// Runs vgs-config and vgs-train on the same recipe and overrides; both must refuse with `expected`.
void check_both_refuse(const test::TempDir& dir, const std::string& recipe, const std::string& overrides,
                       const std::string& expected) {
  const std::string arguments = recipe + " --set run.dir=" + dir.file("run") + " " + overrides;
  for (const char* name : {"vgs-config", "vgs-train"}) {
    INFO(name << " " << arguments);
    const Refusal r = refusal(name, arguments);
    CHECK(r.exit_code == 2);
    CHECK(r.message == expected + "\n");
  }
  CHECK_FALSE(std::filesystem::exists(dir.file("run")));  // refused before anything was written
}
}  // namespace

TEST_CASE("a key written twice in a recipe is refused with both lines, at any depth") {
  test::TempDir dir;
  const std::string nested = dir.write("nested.yaml", "train:\n  lr: 0.001\n  epochs: 3\n  lr: 0.002\n");
  check_both_refuse(dir, nested, "", nested + ":4: duplicate key 'train.lr' (first at line 2)");
  const std::string top = dir.write("top.yaml", "train:\n  epochs: 3\nmodel:\n  width: 64\ntrain:\n  lr: 0.1\n");
  check_both_refuse(dir, top, "", top + ":5: duplicate key 'train' (first at line 1)");
}

TEST_CASE("a second YAML document in a recipe is refused with its line") {
  test::TempDir dir;
  const std::string two = dir.write("two.yaml", "train:\n  epochs: 5\n---\ntrain:\n  epochs: 6\n");
  const std::string expected = ": a second YAML document; a recipe is one document (remove the '---' or split the file)";
  check_both_refuse(dir, two, "", two + ":3" + expected);
  // A trailing '---' starts an empty document: refused too, since it is as likely a half-deleted one.
  const std::string trailing = dir.write("trailing.yaml", "train:\n  epochs: 5\n---\n");
  check_both_refuse(dir, trailing, "", trailing + ":3" + expected);
  // One document with its optional start and end markers is fine.
  const std::string marked = dir.write("marked.yaml", "---\ntrain:\n  epochs: 5\n...\n");
  CHECK(refusal("vgs-config", marked).exit_code == 0);
}

TEST_CASE("vgs-config refuses the cross-key mistakes vgs-train refuses, with the same line") {
  test::TempDir dir;
  const std::string r = dir.write("r.yaml", "train:\n  lr: 0.001\n  min_lr: 0.01\n");
  check_both_refuse(dir, r, "", r + ":3: train.min_lr: expected at most train.lr (0.001, from " + r + ":2), got 0.01");
  const std::string base = dir.write("base.yaml", "train:\n  epochs: 5\n");
  // The key set last is blamed: here the --set, with the recipe's value and line for the other key.
  check_both_refuse(dir, base, "--set train.warmup_epochs=5",
                    "--set: train.warmup_epochs: expected less than train.epochs (5, from " + base + ":2), got 5");
  const std::string short_run = dir.write("short.yaml", "train:\n  epochs: 3\n");
  check_both_refuse(dir, short_run, "",
                    short_run + ":2: train.epochs: expected more than train.warmup_epochs (4, the default), got 3");
  check_both_refuse(dir, base, "--set image.mean=[1]", "--set: image.mean: expected 3 values (R, G, B), got 1");
  check_both_refuse(dir, base, "--set image.std=[0.2,0.2,0.2,0.2]", "--set: image.std: expected 3 values (R, G, B), got 4");
  check_both_refuse(dir, base, "--set image.resize_policy=shorter_side_crop --set image.crop=300",
                    "--set: image.crop: expected at most image.resize (256, the default), got 300");
  check_both_refuse(dir, base, "--set train.device=gpu", "--set: train.device: expected auto, cpu, cuda or cuda:N, got 'gpu'");
}

TEST_CASE("backbone names are checked against the registry when a recipe loads") {
  test::TempDir dir;
  const std::string r = dir.write("r.yaml", "audio_backbone:\n  name: wavlm_base_pluss\n");
  const std::string audio =
      "wavlm_base, wavlm_base_plus, wavlm_large, wavlm_tiny, wav2vec2_base, wav2vec2_tiny, hubert_base, hubert_tiny, fbank";
  check_both_refuse(dir, r, "",
                    r + ":2: audio_backbone.name: unknown backbone 'wavlm_base_pluss' (did you mean 'wavlm_base_plus'?); "
                        "known: " + audio);
  const std::string empty = dir.write("empty.yaml", "");
  check_both_refuse(dir, empty, "--set image_backbone.name=fbank",
                    "--set: image_backbone.name: expected an image backbone (dino_resnet50, resnet50, resnet_tiny, "
                    "groupvit, groupvit_tiny, patches), got 'fbank', an audio backbone");
  const Refusal extract = refusal("vgs-config", "--set extract.backbone=dino");
  CHECK(extract.exit_code == 2);
  CHECK_THAT(extract.message, Contains("--set: extract.backbone: unknown backbone 'dino'"));
}

TEST_CASE("a missing extends target names the recipe and line that refer to it") {
  test::TempDir dir;
  dir.write("mid.yaml", "train:\n  epochs: 5\nextends: missing.yaml\n");
  const std::string top = dir.write("top.yaml", "extends: [mid.yaml]\n");
  check_both_refuse(dir, top, "", dir.file("mid.yaml") + ":3: extends: cannot read 'missing.yaml' (No such file or directory)");
  dir.write("folder/x", "");
  const std::string to_folder = dir.write("to_folder.yaml", "extends:\n  - folder\n");
  check_both_refuse(dir, to_folder, "", to_folder + ":2: extends: cannot read 'folder' (Is a directory)");
}
