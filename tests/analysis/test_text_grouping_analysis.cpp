// vgs-analyze on a text grouping run as a user runs it: a small toy caption world, a tiny model
// trained by vgs-train, then CKA between the text encoder's stages, groupvit_tiny's stages and two
// models brought in as h5py files; silhouette and LDA of the toy world's labels (object counts) by
// layer; PCA and t-SNE of captions and images; forced choice on captions against hand-made human
// choices; and the refusals, each one line.
#include <catch2/catch.hpp>

#include <opencv2/imgcodecs.hpp>

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "tests/support/temp_dir.h"
#include "vgs/core/fs.h"

using namespace vgs;
using Catch::Contains;
using json = nlohmann::json;

namespace {

// A toy caption world of 40 test pictures and a text grouping run trained on it for two epochs.
struct TrainedCaptionRun {
  test::TempDir dir;
  std::string world, run;
  TrainedCaptionRun() {
    world = dir.file("toy_captions");
    auto made = test::run_command(test::program("vgs-prepare") + " toy-captions " + world + " --train 64 --val 16 --test 40 --image-size 64 2>&1");
    INFO(made.output);
    REQUIRE(made.exit_code == 0);
    run = dir.file("run");
    auto trained = test::run_command(
        test::program("vgs-train") + " " + VGS_SOURCE_DIR "/recipes/toy/text_grouping.yaml --set run.dir=" + run +
        " --set captions.toy_world=" + world + " --set captions.tokenizer=" + dir.file("tok.model") +
        " --set captions.tokenizer_vocab_size=64 --set image.resize=64 --set train.epochs=2 --set train.batch_size=16"
        " --set text_grouping.width=32 --set text_grouping.encoder_layers=1 --set features.dir=" + dir.file("features") + " 2>&1");
    INFO(trained.output);
    REQUIRE(trained.exit_code == 0);
  }
  std::string labels() const { return world + "/manifests/labels_test.jsonl"; }
  std::string captions() const { return world + "/manifests/captions_test.jsonl"; }
};

const TrainedCaptionRun& trained_run() {
  static TrainedCaptionRun instance;
  return instance;
}

test::CommandResult analyze(const std::string& arguments) {
  return test::run_command(test::program("vgs-analyze") + " --run " + trained_run().run + " --set analyze.lda_resamples=50 " + arguments +
                           " 2>&1");
}

json first_line(const std::string& path) { return json::parse(core::read_file(path).substr(0, core::read_file(path).find('\n'))); }

// Up to `per_label` test captions a label: what the sample must hold.
size_t expected_items(const std::string& labels, size_t per_label) {
  std::map<std::string, size_t> counts;
  const std::string text = core::read_file(labels);
  for (size_t begin = 0, end; (end = text.find('\n', begin)) != std::string::npos; begin = end + 1)
    ++counts[json::parse(text.substr(begin, end - begin))["label"].get<std::string>()];
  size_t total = 0;
  for (const auto& [label, count] : counts) total += std::min(count, per_label);
  return total;
}

void check_separability(const json& results, const char* model, size_t layers, size_t labels) {
  INFO(model);
  const json& s = results["silhouette"][model]["values"];
  const json& lda = results["lda"][model];
  REQUIRE(s.size() == layers);
  REQUIRE(lda["accuracy"].size() == layers);
  for (size_t l = 0; l < layers; ++l) {
    CHECK((s[l].get<double>() >= -1 && s[l].get<double>() <= 1));
    CHECK(lda["ci_low"][l].get<double>() <= lda["accuracy"][l].get<double>());
    CHECK(lda["accuracy"][l].get<double>() <= lda["ci_high"][l].get<double>());
  }
  CHECK(lda["chance"].get<double>() >= 1.0 / static_cast<double>(labels) - 1e-12);
}

}  // namespace

TEST_CASE("vgs-analyze compares a text grouping run's text encoder with GroupViT's stages and other models, layer by layer") {
  test::TempDir dir;
  const TrainedCaptionRun& r = trained_run();
  auto written = test::run_python("write_representations.py", r.captions() + " " + dir.file("a.h5") + " " + dir.file("b.h5"));
  INFO(written.output);
  REQUIRE(written.exit_code == 0);
  auto done = analyze("--out " + dir.file("out") + " --set analyze.items_per_word=8 --set analyze.labels=" + r.labels() +
                      " --set analyze.hidden_states=[" + dir.file("a.h5") + "," + dir.file("b.h5") + "] --set analyze.formats=[png,pdf]");
  INFO(done.output);
  REQUIRE(done.exit_code == 0);
  const json results = json::parse(core::read_file(dir.file("out/results.json")));
  CHECK(results["family"] == "text_grouping");
  CHECK(results["items"] == expected_items(r.labels(), 8));
  const size_t labels = results["labels"].get<size_t>();
  CHECK((labels >= 2 && labels <= 4));  // 1 to 4 objects a picture

  // The text encoder: input, its 1 encoder layer, the groups, the recipe's 1 group layer, the embedding;
  // groupvit_tiny: its 4 layers (two grouping stages, the normed groups, the projection).
  const json& cross = results["cka"]["text_encoder vs groupvit_tiny"];
  CHECK(cross["rows"] == json({"input", "layer 1", "groups", "group layer 1", "embedding"}));
  CHECK(cross["columns"] == json({"1", "2", "3", "4"}));
  for (const json& row : cross["matrix"])
    for (const json& v : row) CHECK((v.get<double>() >= 0 && v.get<double>() <= 1 + 1e-9));
  // model_b's layer 0 is model_a's rotated, scaled and in another row order: rows matched by caption id.
  CHECK(results["cka"]["model_a vs model_b"]["matrix"][0][0].get<double>() == Approx(1).epsilon(1e-9));
  CHECK(results["cka"].contains("text_encoder vs model_a"));

  check_separability(results, "text_encoder", 5, labels);
  check_separability(results, "model_a", 2, labels);
  check_separability(results, "groupvit_tiny", 4, labels);  // labelled by a file: the image stages too
  CHECK(std::isfinite(results["tsne"]["kl_divergence"].get<double>()));
  CHECK(results["tsne"]["kl_divergence"].get<double>() > 0);
  for (const char* figure : {"cka_text_encoder_vs_groupvit_tiny", "silhouette", "lda", "pca_labels", "pca_modality", "tsne_labels",
                             "tsne_modality"}) {
    INFO(figure);
    CHECK(cv::imread(dir.file("out/") + figure + ".png").cols > 400);
    CHECK(core::read_file(dir.file("out/") + figure + ".pdf").rfind("%PDF", 0) == 0);
  }
}

TEST_CASE("vgs-analyze scores a text grouping run's caption choices against people's") {
  test::TempDir dir;
  const json caption = first_line(trained_run().captions());
  const std::string image = caption["image"], text = caption["text"];
  // Two identical candidates are a tie for the model; a real pair of captions is scored.
  const std::string choices = dir.write(
      "human.jsonl", "{\"image\": \"" + image + "\", \"caption_a\": \"" + text + "\", \"caption_b\": \"" + text + "\", \"human_a\": 0.9}\n" +
                         "{\"caption\": \"" + text + "\", \"image_a\": \"" + image + "\", \"image_b\": \"" + image + "\", \"human_a\": 0.5}\n" +
                         "{\"image\": \"" + image + "\", \"caption_a\": \"" + text + "\", \"caption_b\": \"a small green circle\", \"human_a\": 1}\n");
  auto done = analyze("--out " + dir.file("out") + " --set analyze.measures=[forced_choice] --set analyze.human_choices=" + choices);
  INFO(done.output);
  REQUIRE(done.exit_code == 0);
  const json fc = json::parse(core::read_file(dir.file("out/results.json")))["forced_choice"];
  CHECK(fc["items"] == 3);
  CHECK(fc["ties"].get<int>() >= 2);
  CHECK(fc["agreements"].get<int>() <= 1);

  const std::string bad = dir.write("bad.jsonl", "{\"caption\": \"" + text + "\", \"image_a\": \"nowhere\", \"image_b\": \"" + image +
                                                     "\", \"human_a\": 0.5}\n");
  auto refused = analyze("--out " + dir.file("out2") + " --set analyze.measures=[forced_choice] --set analyze.human_choices=" + bad);
  CHECK(refused.exit_code != 0);
  CHECK_THAT(refused.output, Contains(bad + ":1: image 'nowhere' is not in the test split"));
}

TEST_CASE("vgs-analyze on a text grouping run refuses two-tower measures and unknown labels, and says why it skips separability") {
  test::TempDir dir;
  auto me = analyze("--set analyze.measures=[cka,me_words]");
  CHECK(me.exit_code != 0);
  CHECK_THAT(me.output, Contains("analyze.measures: 'me_words' does not apply to a text grouping run"));
  auto audio = analyze("--set analyze.modalities=[audio]");
  CHECK(audio.exit_code != 0);
  CHECK_THAT(audio.output, Contains("analyze.modalities: 'audio' does not apply to a text grouping run"));
  const std::string labels = dir.write("labels.jsonl", "{\"id\": \"no_such_caption\", \"label\": \"x\"}\n");
  auto unknown = analyze("--set analyze.labels=" + labels);
  CHECK(unknown.exit_code != 0);
  CHECK_THAT(unknown.output, Contains(labels + ":1: caption 'no_such_caption' is not in the run's test captions"));
  // By image (the default), the toy world's one caption a picture leaves no groups to separate.
  auto by_image = analyze("--out " + dir.file("out") + " --set analyze.measures=[silhouette]");
  INFO(by_image.output);
  REQUIRE(by_image.exit_code == 0);
  const json results = json::parse(core::read_file(dir.file("out/results.json")));
  CHECK_THAT(results["separability_skipped"].get<std::string>(), Contains("give analyze.labels"));
  CHECK_FALSE(results.contains("silhouette"));
}
