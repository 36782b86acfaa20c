// vgs-analyze as a user runs it: a small bilingual toy model on the tiny WavLM trained by vgs-train,
// then CKA between the WavLM's hidden states and the tower's stages (and two models brought in as
// HDF5 files written by h5py), silhouette and LDA by layer, per-word ME analysis, cross-lingual RSA,
// forced choice against hand-made human choices, and the figures; bad input is one line.
#include <catch2/catch.hpp>

#include <opencv2/imgcodecs.hpp>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/support/temp_dir.h"
#include "vgs/core/fs.h"

using namespace vgs;
using Catch::Contains;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

// An English + French toy world and one run on wavlm_tiny / resnet_tiny, made once.
struct TrainedRun {
  test::TempDir dir;
  std::string world, run;
  TrainedRun() {
    world = dir.file("world");
    auto made = test::run_command(test::program("vgs-prepare") + " toy-world " + world +
                                  " --languages en,fr --familiar-words dog,cat,car,bird --novel-words ball,cup,lamp"
                                  " --train-audio 6 --train-images 6 --val-audio 2 --val-images 2 --test-audio 4"
                                  " --test-images 3 --novel-audio 4 --novel-images 3 --trials-per-word 4 --image-size 64 2>&1");
    INFO(made.output);
    REQUIRE(made.exit_code == 0);
    const std::string w = world + "/manifests/", t = world + "/trials/";
    const std::string recipe = dir.write(
        "r.yaml", "splits:\n  languages: [en, fr]\n"
                  "  train_audio: " + w + "audio_train.jsonl\n  train_images: " + w + "images_train.jsonl\n"
                  "  valid_audio: " + w + "audio_val.jsonl\n  valid_images: " + w + "images_val.jsonl\n"
                  "  valid_trials: [" + t + "familiar_val_en.jsonl]\n"
                  "  test_audio: " + w + "audio_test.jsonl\n  test_images: " + w + "images_test.jsonl\n"
                  "  test_trials: [" + t + "me_test_en.jsonl, " + t + "me_test_fr.jsonl]\n"
                  "audio_backbone: {name: wavlm_tiny}\nimage_backbone: {name: resnet_tiny}\nimage: {resize: 64}\n"
                  "model: {width: 64, embed_dim: 32, depth: 2}\n"
                  "loss: {negatives: sampled_shared, negatives_per_item: 2}\n"
                  "features: {dir: " + dir.file("features") + "}\n"
                  "train: {epochs: 2, batch_size: 4, warmup_epochs: 1, threads: 1}\n");
    run = dir.file("run");
    auto trained = test::run_command(test::program("vgs-train") + " " + recipe + " --set run.dir=" + run + " 2>&1");
    INFO(trained.output);
    REQUIRE(trained.exit_code == 0);
  }
};

const TrainedRun& trained_run() {
  static TrainedRun instance;
  return instance;
}

test::CommandResult analyze(const std::string& arguments) {
  return test::run_command(test::program("vgs-analyze") + " --run " + trained_run().run + " --set analyze.lda_resamples=50 " +
                           arguments + " 2>&1");
}

// Every figure of the default measures, as a PNG that OpenCV decodes and a whole PDF.
void check_figures(const std::string& out) {
  for (const char* figure : {"cka_wavlm_tiny_vs_audio_tower", "cka_resnet_tiny_vs_image_tower", "silhouette", "lda",
                             "me_words", "pca_words", "pca_modality", "tsne_words", "tsne_modality"}) {
    INFO(figure);
    const cv::Mat png = cv::imread(out + figure + ".png");
    CHECK(png.cols > 400);
    CHECK(core::read_file(out + figure + ".pdf").rfind("%PDF", 0) == 0);
  }
}

// ME trials are about the novel words: each has an accuracy, a spread and a distance.
void check_me_words(const json& me_words) {
  const json& words = me_words["words"];
  CHECK(words.size() == 3);
  for (const char* word : {"ball", "cup", "lamp"}) {
    INFO(word);
    REQUIRE(words.contains(word));
    CHECK(words[word]["trials"].get<int>() > 0);
    CHECK(words[word]["centroid_distance"].get<double>() > 0);
  }
  CHECK(me_words["accuracy_vs_centroid_distance"]["n"] == 3);
}

}  // namespace

TEST_CASE("vgs-analyze measures the tiny WavLM and the trained tower layer by layer and draws the figures") {
  test::TempDir dir;
  const std::string manifest = trained_run().world + "/manifests/audio_test.jsonl";
  auto written = test::run_python("write_representations.py", manifest + " " + dir.file("a.h5") + " " + dir.file("b.h5"));
  INFO(written.output);
  REQUIRE(written.exit_code == 0);
  auto r = analyze("--out " + dir.file("out") + " --set analyze.items_per_word=3 --set analyze.hidden_states=[" + dir.file("a.h5") +
                   "," + dir.file("b.h5") + "]");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const json results = json::parse(core::read_file(dir.file("out/results.json")));
  CHECK(results["schema"] == "vgs-analyze/1");
  CHECK(results["words"] == 7);
  CHECK(results["items"] == 7 * 2 * 3);  // 3 per word and language

  // wavlm_tiny: hidden states 0 (the conv front end's projection) to 2; the tower: input, 2 layers, embedding.
  const json& cka = results["cka"]["wavlm_tiny vs audio_tower"];
  CHECK(cka["rows"] == json({"0", "1", "2"}));
  CHECK(cka["columns"] == json({"input", "layer 1", "layer 2", "embedding"}));
  for (const json& row : cka["matrix"])
    for (const json& v : row) CHECK((v.get<double>() >= 0 && v.get<double>() <= 1 + 1e-9));
  // The tower's input is the backbone's last hidden state, mean-pooled the same way: CKA 1.
  CHECK(cka["matrix"][2][0].get<double>() == Approx(1).epsilon(1e-6));
  // The image side: resnet_tiny's four stages against the image tower, which reads stage 4.
  const json& image_cka = results["cka"]["resnet_tiny vs image_tower"];
  CHECK(image_cka["rows"] == json({"1", "2", "3", "4"}));
  CHECK(image_cka["matrix"][3][0].get<double>() == Approx(1).epsilon(1e-6));
  CHECK(results["image_items"] == 7 * 3);
  CHECK(results["silhouette"]["image_tower"]["values"].size() == 4);
  // model_b's layer 0 is model_a's rotated, scaled and stored in another row order: CKA 1.
  CHECK(results["cka"]["model_a vs model_b"]["matrix"][0][0].get<double>() == Approx(1).epsilon(1e-9));

  for (const char* model : {"wavlm_tiny", "audio_tower", "model_a", "resnet_tiny", "image_tower"}) {
    INFO(model);
    const json& s = results["silhouette"][model]["values"];
    const json& lda = results["lda"][model];
    REQUIRE(s.size() == lda["accuracy"].size());
    for (size_t l = 0; l < s.size(); ++l) {
      CHECK((s[l].get<double>() >= -1 && s[l].get<double>() <= 1));
      CHECK(lda["ci_low"][l].get<double>() <= lda["accuracy"][l].get<double>());
      CHECK(lda["accuracy"][l].get<double>() <= lda["ci_high"][l].get<double>());
    }
    CHECK(lda["chance"].get<double>() == Approx(1.0 / 7));  // 7 words on both sides
  }
  check_me_words(results["me_words"]);
  CHECK(results["cross_lingual"]["audio_tower (embedding)"]["en-fr"]["words"] == 7);
  // t-SNE of the 42 audio and 21 image embeddings (perplexity 20.7, below the default 30 for so few).
  CHECK(results["tsne"]["points"] == 7 * 2 * 3 + 7 * 3);
  CHECK(results["tsne"]["kl_divergence"].get<double>() > 0);

  check_figures(dir.file("out/"));
}

TEST_CASE("vgs-analyze scores forced choices against people's") {
  test::TempDir dir;
  // The same image as both candidates: the model cannot prefer either (a tie); a real pair is scored.
  const std::string w = trained_run().world + "/manifests/";
  const json audio = json::parse(core::read_file(w + "audio_test.jsonl").substr(0, core::read_file(w + "audio_test.jsonl").find('\n')));
  const json image = json::parse(core::read_file(w + "images_test.jsonl").substr(0, core::read_file(w + "images_test.jsonl").find('\n')));
  const std::string a = audio["id"], i = image["id"];
  const std::string choices = dir.write("human.jsonl", "{\"audio\": \"" + a + "\", \"image_a\": \"" + i + "\", \"image_b\": \"" + i +
                                                           "\", \"human_a\": 0.5}\n");
  auto r = analyze("--out " + dir.file("out") + " --set analyze.measures=[forced_choice] --set analyze.human_choices=" + choices);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const json fc = json::parse(core::read_file(dir.file("out/results.json")))["forced_choice"];
  CHECK(fc["items"] == 1);
  CHECK(fc["ties"] == 1);
  CHECK(fc["agreements"] == 0);

  const std::string bad = dir.write("bad.jsonl", "{\"audio\": \"" + a + "\", \"image_a\": \"nowhere\", \"image_b\": \"" + i +
                                                     "\", \"human_a\": 0.5}\n");
  auto refused = analyze("--out " + dir.file("out2") + " --set analyze.measures=[forced_choice] --set analyze.human_choices=" + bad);
  CHECK(refused.exit_code != 0);
  CHECK_THAT(refused.output, Contains(bad + ":1: image 'nowhere' is not in the test split"));
}

TEST_CASE("vgs-analyze refuses a representations file that lacks an item, or is not one, in one line") {
  test::TempDir dir;
  const std::string manifest = trained_run().world + "/manifests/audio_test.jsonl";
  auto written = test::run_python("write_representations.py", manifest + " " + dir.file("a.h5") + " " + dir.file("b.h5") + " " +
                                                                 dir.file("missing.h5"));
  REQUIRE(written.exit_code == 0);
  const std::string first = json::parse(core::read_file(manifest).substr(0, core::read_file(manifest).find('\n')))["id"];
  auto lacking = analyze("--out " + dir.file("out") + " --set analyze.items_per_word=100 --set analyze.measures=[cka]"
                         " --set analyze.hidden_states=[" + dir.file("missing.h5") + "]");
  CHECK(lacking.exit_code != 0);
  CHECK_THAT(lacking.output, Contains(dir.file("missing.h5") + ": no row for item '" + first + "' of the analysed sample"));
  const std::string not_h5 = dir.write("x.h5", "not hdf5");
  auto r = analyze("--out " + dir.file("out") + " --set analyze.measures=[cka] --set analyze.hidden_states=[" + not_h5 + "]");
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.output, Contains(not_h5 + ": not an HDF5 file"));
  auto no_run = test::run_command(test::program("vgs-analyze") + " 2>&1");
  CHECK(no_run.exit_code != 0);
  CHECK_THAT(no_run.output, Contains("analyze.run is not set"));
  auto unknown = analyze("--set analyze.measures=[cka,umap]");
  CHECK(unknown.exit_code != 0);
  CHECK_THAT(unknown.output, Contains("analyze.measures: unknown value 'umap'"));
}
