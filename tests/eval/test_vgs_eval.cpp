// End-to-end tests of vgs-eval as a user runs it: two seeds of a small bilingual toy model trained by
// vgs-train, evaluated with every protocol; the trial accuracies equal the trainer's own test
// figures (the same scoring code), the embeddings file is read back by h5py, and bad input is one line.
#include <catch2/catch.hpp>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/support/temp_dir.h"
#include "vgs/core/fs.h"

using namespace vgs;
using Catch::Contains;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

// A small English + French toy world and two trained seeds, made once for the tests here.
struct TrainedRuns {
  test::TempDir dir;
  std::string world, run0, run1;
  TrainedRuns() {
    world = dir.file("world");
    auto made = test::run_command(test::program("vgs-prepare") + " toy-world " + world +
                                  " --languages en,fr --familiar-words dog,cat,car --novel-words ball,cup"
                                  " --train-audio 6 --train-images 6 --val-audio 2 --val-images 2 --test-audio 3"
                                  " --test-images 3 --novel-audio 3 --novel-images 3 --trials-per-word 4 --image-size 64 2>&1");
    REQUIRE(made.exit_code == 0);
    const std::string w = world + "/manifests/", t = world + "/trials/";
    const std::string recipe = dir.write(
        "r.yaml", "splits:\n  languages: [en, fr]\n"
                  "  train_audio: " + w + "audio_train.jsonl\n  train_images: " + w + "images_train.jsonl\n"
                  "  valid_audio: " + w + "audio_val.jsonl\n  valid_images: " + w + "images_val.jsonl\n"
                  "  valid_trials: [" + t + "familiar_val_en.jsonl]\n"
                  "  test_audio: " + w + "audio_test.jsonl\n  test_images: " + w + "images_test.jsonl\n"
                  "  test_trials: [" + t + "familiar_test_en.jsonl, " + t + "me_test_en.jsonl, " + t +
                  "familiar_test_fr.jsonl, " + t + "me_test_fr.jsonl]\n"
                  "audio_backbone: {name: fbank}\nimage_backbone: {name: patches}\nimage: {resize: 64}\n"
                  "model: {width: 64, embed_dim: 32, depth: 2, positions: sinusoidal, standardize_inputs: true}\n"
                  "loss: {negatives: sampled_shared, negatives_per_item: 2}\n"
                  "train: {epochs: 2, batch_size: 4, warmup_epochs: 1, threads: 1}\n");
    run0 = dir.file("run0");
    run1 = dir.file("run1");
    for (const auto& [run, seed] : {std::pair{run0, "0"}, {run1, "1"}}) {
      auto trained = test::run_command(test::program("vgs-train") + " " + recipe + " --set run.dir=" + run +
                                       " --set run.name=toy_" + seed + " --set run.seed=" + seed + " 2>&1");
      INFO(trained.output);
      REQUIRE(trained.exit_code == 0);
    }
  }
};

const TrainedRuns& trained_runs() {
  static TrainedRuns runs;
  return runs;
}

std::string eval_recipe(const std::string& name) { return std::string(VGS_SOURCE_DIR) + "/recipes/eval/" + name; }

}  // namespace

TEST_CASE("vgs-eval runs every protocol on two seeds and writes the table json plots and embeddings") {
  const auto& t = trained_runs();
  test::TempDir dir;
  auto r = test::run_command(test::program("vgs-eval") + " " + eval_recipe("all.yaml") + " --runs " + t.run0 + " " +
                             t.run1 + " --out " + dir.file("out") + " --export-embeddings " + dir.file("emb.h5") + " 2>&1");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("# vgs-eval: 2 run(s), best checkpoint") && Contains("| familiar/en (%)") &&
                           Contains("| translation/familiar/en->fr (%)") && Contains("| retrieval/fr/audio_to_image/r1 (%)") &&
                           Contains("| geometry/modality_gap/novel"));
  for (const char* file : {"results.json", "results.md", "accuracy.png", "translation.png", "pca.png"})
    CHECK(fs::exists(dir.file("out/") + file));
  json results = json::parse(core::read_file(dir.file("out/results.json")));
  CHECK(results["summary"]["familiar/en"]["n"] == 2);
  CHECK(results["summary"]["me/fr"]["items"] == 2 * 4);  // 2 novel words x 4 trials
  CHECK(results["summary"]["translation/familiar/en->fr"]["two_sd"].is_number());
  // me-vgs's geometry: per novel word and language, 3 audio and 3 images per word.
  const json& geometry = results["runs"][0]["metrics"];
  for (const char* key : {"geometry/audio/familiar/similarity_mean", "geometry/image/novel/similarity_std",
                          "geometry/word/ball/en/distance", "geometry/word/cup/fr/audio_spread",
                          "geometry/word/ball/image_spread", "geometry/centroid_distance/novel/fr",
                          "geometry/centroid_distance/familiar/en"}) {
    INFO(key);
    CHECK(geometry.contains(key));
  }
  CHECK(results["summary"]["geometry/word/ball/en/distance"]["items"] == 3 + 3);
  CHECK_FALSE(geometry.contains("geometry/word/dog/en/distance"));  // per-word figures: novel words only
  // The same trials scored by the same code as the trainer's test: the same accuracies.
  for (const auto& [run, index] : {std::pair{t.run0, 0}, {t.run1, 1}}) {
    json trained = json::parse(core::read_file(run + "/results.json"));
    CHECK(results["runs"][index]["metrics"]["familiar/en"].get<double>() == trained["test"]["test/familiar_test_en"].get<double>());
    CHECK(results["runs"][index]["metrics"]["me/fr"].get<double>() == trained["test"]["test/me_test_fr"].get<double>());
  }
  auto h5 = test::run_python("check_embeddings.py", dir.file("emb.h5"));
  INFO(h5.output);
  CHECK(h5.exit_code == 0);
  // 3 test audio per familiar word and language (3 x 3 x 2) + 3 per novel word and language (2 x 3 x 2),
  // 3 images per familiar and per novel word (3 x 3 + 2 x 3); embeddings of 32 dimensions.
  CHECK_THAT(h5.output, Contains("runs 2") && Contains("audio (30, 32) en,fr") && Contains("image (15, 32)"));
}

TEST_CASE("vgs-eval evaluates the last checkpoint on request and says what is missing") {
  const auto& t = trained_runs();
  auto last = test::run_command(test::program("vgs-eval") + " --runs " + t.run0 + " --checkpoint last 2>&1");
  INFO(last.output);
  CHECK(last.exit_code == 0);
  CHECK_THAT(last.output, Contains("1 run(s), last checkpoint"));
  CHECK(fs::exists(t.run0 + "/eval/results.json"));  // one run: results go to RUN/eval
  test::TempDir dir;
  auto none = test::run_command(test::program("vgs-eval") + " --runs " + dir.path() + " 2>&1");
  CHECK(none.output == "vgs-eval: error: " + dir.path() + ": not a vgs-train run folder (it has no config.yaml)\n");
  auto several = test::run_command(test::program("vgs-eval") + " --runs " + t.run0 + " " + t.run1 + " 2>&1");
  CHECK(several.output == "vgs-eval: error: several runs: say where the results go with --out DIR (or eval.out)\n");
  auto task = test::run_command(test::program("vgs-eval") + " --runs " + t.run0 + " --set 'eval.tasks=[familiar, bogus]' 2>&1");
  CHECK_THAT(task.output, Contains("eval.tasks: unknown task 'bogus'; expected some of familiar, me, translation, retrieval, geometry"));
}

TEST_CASE("vgs-eval --runs refuses a run given twice or runs of different models unless --allow-mixed") {
  const auto& t = trained_runs();
  test::TempDir dir;
  // A copy of seed 1 whose recipe says another learning rate: not a seed of seed 0's model.
  const std::string other = dir.file("other_lr");
  fs::copy(t.run1, other, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  std::string config = core::read_file(other + "/config.yaml");
  config.replace(config.find("lr: 0.0002"), 10, "lr: 0.0005");
  core::write_file_atomic(other + "/config.yaml", config);
  const std::string eval = test::program("vgs-eval") + " --out " + dir.file("out") + " --runs ";
  auto twice = test::run_command(eval + t.run0 + " " + t.run0 + "/ 2>&1");
  CHECK(twice.exit_code == 2);
  CHECK(twice.output == "vgs-eval: error: --runs: " + t.run0 + "/ is given twice (it would count as two seeds); pass "
                        "--allow-mixed to aggregate them anyway\n");
  auto mixed = test::run_command(eval + t.run0 + " " + other + " 2>&1");
  CHECK(mixed.exit_code == 2);
  CHECK(mixed.output == "vgs-eval: error: --runs: " + other + " is not a seed of the model of " + t.run0 +
                        ": they differ in train.lr (0.0002 vs 0.0005); pass --allow-mixed to aggregate them anyway\n");
  CHECK_FALSE(fs::exists(dir.file("out")));
  auto allowed = test::run_command(eval + t.run0 + " " + other + " --allow-mixed 2>&1");
  INFO(allowed.output);
  CHECK(allowed.exit_code == 0);
  CHECK_THAT(allowed.output, Contains("--allow-mixed: " + other + " is not a seed of the model of " + t.run0));
  CHECK_THAT(core::read_file(dir.file("out/results.json")), Contains("\"runs\""));
}

TEST_CASE("vgs-eval scores trial lists made by vgs-prepare trials, such as the episode protocol") {
  const auto& t = trained_runs();
  test::TempDir dir;
  const std::string episodes = dir.file("episodes_en.jsonl");
  auto made = test::run_command(test::program("vgs-prepare") + " trials --audio " + t.world + "/manifests/audio_test.jsonl" +
                                " --images " + t.world + "/manifests/images_test.jsonl --lang en --test episodes --episodes 10" +
                                " --familiar-words dog,cat,car --novel-words ball,cup --out " + episodes + " 2>&1");
  INFO(made.output);
  REQUIRE(made.exit_code == 0);
  auto r = test::run_command(test::program("vgs-eval") + " " + eval_recipe("me.yaml") + " --runs " + t.run0 + " --out " +
                             dir.file("out") + " --set 'eval.trials=[" + episodes + "]' 2>&1");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  json results = json::parse(core::read_file(dir.file("out/results.json")));
  CHECK(results["summary"]["familiar/en"]["items"] == 10 * 3);  // one trial per familiar word per episode
  CHECK(results["summary"]["me/en"]["items"] == 10 * 2);
  CHECK(results["summary"].count("familiar/fr") == 0);          // only the lists given
}
