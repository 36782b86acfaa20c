// The text grouping family through vgs-train as a user runs it: the toy caption world, a SentencePiece
// model trained on its captions, groupvit_tiny features cached, the model trained (whole batches and
// GradCache chunks) and its test figures (phrase alignment beside the baselines, retrieval, forced
// choice) in results.json; a resumed run ends where the uninterrupted one does.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/support/temp_dir.h"
#include "vgs/core/fs.h"
#include "vgs/data/forced_choice.h"
#include "vgs/data/manifest.h"
#include "vgs/io/safetensors.h"

using namespace vgs;
namespace fs = std::filesystem;
using Catch::Contains;

namespace {

// A small toy caption world (64 train, 16 val, 24 test pictures of 64 px), made once per process.
const std::string& small_caption_world() {
  static test::TempDir dir;
  static const std::string world = [] {
    const std::string out = dir.file("toy_captions");
    auto r = test::run_command(test::program("vgs-prepare") + " toy-captions " + out +
                               " --train 64 --val 16 --test 24 --image-size 64 2>&1");
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    return out;
  }();
  return world;
}

// The toy recipe, made tiny: two epochs of batches of 16.
std::string train_command(const test::TempDir& dir, const std::string& run, const std::string& extra = "") {
  return test::program("vgs-train") + " " + VGS_SOURCE_DIR "/recipes/toy/text_grouping.yaml --set run.dir=" + dir.file(run) +
         " --set captions.toy_world=" + small_caption_world() + " --set captions.tokenizer=" + dir.file("tok.model") +
         " --set captions.tokenizer_vocab_size=64 --set image.resize=64 --set train.epochs=2 --set train.batch_size=16"
         " --set text_grouping.width=32 --set text_grouping.encoder_layers=1 --set features.dir=" + dir.file("features") +
         " " + extra + " 2>&1";
}

nlohmann::json results(const std::string& run) { return nlohmann::json::parse(core::read_file(run + "/results.json")); }

}  // namespace

TEST_CASE("vgs-train trains the toy text grouping recipe and reports phrase alignment, retrieval and forced choice") {
  test::TempDir dir;
  auto r = test::run_command(train_command(dir, "run"));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("text grouping model"));
  CHECK(fs::exists(dir.file("tok.model")));  // trained on the toy world's train captions
  const auto test = results(dir.file("run"))["test"];
  for (const char* key : {"test/phrase/tiou", "test/phrase/f1", "test/phrase/equal_split/tiou", "test/phrase/noun_chunk/f1",
                          "test/retrieval/text_to_image/r1", "test/retrieval/image_to_text/r5",
                          "test/forced_choice/foils_test/accuracy", "test/forced_choice/foils_test/category/colour"}) {
    INFO(key);
    REQUIRE(test.contains(key));
    REQUIRE(test[key].is_number());
    CHECK(test[key].get<double>() >= 0);
    CHECK(test[key].get<double>() <= 1);
  }
  CHECK(test["test/phrase/phrases"].get<double>() > 24);  // every caption has at least one phrase, most more
}

TEST_CASE("the text grouping task trains through GradCache chunks and resumes to the same weights") {
  test::TempDir dir;
  auto whole = test::run_command(train_command(dir, "chunked", "--set train.grad_cache_chunk=5"));
  INFO(whole.output);
  REQUIRE(whole.exit_code == 0);
  CHECK(std::isfinite(results(dir.file("chunked"))["test"]["test/phrase/tiou"].get<double>()));
  // Stopped by SIGTERM inside the second epoch (4 steps an epoch), then resumed: the same weights as the
  // uninterrupted run, Gumbel noise and dropout included.
  auto first = test::run_command(train_command(dir, "resumed", "--set train.grad_cache_chunk=5 --set debug.term_at_step=6"));
  INFO(first.output);
  CHECK(first.exit_code == 3);
  auto resumed = test::run_command(test::program("vgs-train") + " --resume " + dir.file("resumed") + " 2>&1");
  INFO(resumed.output);
  REQUIRE(resumed.exit_code == 0);
  auto a = io::read_safetensors(dir.file("chunked/checkpoints/last/model.safetensors")).tensors;
  auto b = io::read_safetensors(dir.file("resumed/checkpoints/last/model.safetensors")).tensors;
  REQUIRE(a.size() == b.size());
  for (const auto& [name, tensor] : a) {
    INFO(name);
    CHECK(torch::equal(tensor, b.at(name)));
  }
}

TEST_CASE("a text grouping recipe without captions or tokenizer fails in one line naming the key") {
  test::TempDir dir;
  const std::string recipe = dir.write("tg.yaml", "model:\n  family: text_grouping\nimage_backbone:\n  name: groupvit_tiny\n");
  auto r = test::run_command(test::program("vgs-train") + " " + recipe + " --set run.dir=" + dir.file("run") + " 2>&1");
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.output, Contains("captions.train is not set"));
}

TEST_CASE("a forced-choice set with an image manifest beside it is scored on those images") {
  test::TempDir dir;
  // FOIL-COCO and SVO-Probes come with their own images: vgs-prepare writes <set>_images.jsonl beside the set.
  const std::string world = small_caption_world();
  fs::create_directories(dir.file("sets"));
  // The copies name their images "copy_<id>", which only the manifest beside the set holds.
  auto items = data::read_forced_choice(world + "/foils/foils_test.jsonl");
  for (auto& item : items) item.image = "copy_" + item.image;
  data::write_forced_choice(dir.file("sets/foils_copy.jsonl"), items);
  auto images = data::read_image_manifest(world + "/manifests/images_test.jsonl");
  for (auto& image : images) image.id = "copy_" + image.id;
  data::write_image_manifest(dir.file("sets/foils_copy_images.jsonl"), images);
  const std::string sets = " --set captions.test_forced_choice=[" + dir.file("sets/foils_copy.jsonl") + "]";
  auto r = test::run_command(train_command(dir, "run", sets));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(results(dir.file("run"))["test"].contains("test/forced_choice/foils_copy/accuracy"));

  // An image in neither manifest is named with the line of the set.
  core::write_file_atomic(dir.file("sets/bad.jsonl"),
                          R"({"id":"x","image":"nowhere","caption":"a red circle","foil":"a blue circle","category":"colour"})" "\n");
  auto bad = test::run_command(train_command(dir, "bad", "--set captions.test_forced_choice=[" +
                                                             dir.file("sets/bad.jsonl") + "]"));
  CHECK(bad.exit_code != 0);
  CHECK_THAT(bad.output, Contains(dir.file("sets/bad.jsonl") + ":1: image 'nowhere' has no features: it is not in the split's image manifest"));
}

TEST_CASE("vgs-eval scores a text grouping run as the trainer did and draws its attention maps") {
  test::TempDir dir;
  auto trained = test::run_command(train_command(dir, "run"));
  INFO(trained.output);
  REQUIRE(trained.exit_code == 0);
  auto r = test::run_command(test::program("vgs-eval") + " --runs " + dir.file("run") + " --out " + dir.file("eval") +
                             " --set eval.attention_captions=2 2>&1");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  // The same checkpoint (best) on the same test split: the trainer's figures, key for key.
  const auto trainer = results(dir.file("run"))["test"];
  const auto summary = nlohmann::json::parse(core::read_file(dir.file("eval/results.json")))["summary"];
  for (const char* key : {"phrase/tiou", "phrase/f1", "phrase/equal_split/tiou", "phrase/groups_per_caption",
                          "retrieval/text_to_image/r10", "forced_choice/foils_test/accuracy"}) {
    INFO(key);
    REQUIRE(summary.contains(key));
    CHECK(summary[key]["mean"].get<double>() == Approx(trainer["test/" + std::string(key)].get<double>()).epsilon(1e-6));
  }
  // The "items" behind each figure: the phrases, the 24 test captions as queries, the images, the foils.
  CHECK(summary["phrase/tiou"]["items"] == trainer["test/phrase/phrases"]);
  CHECK(summary["retrieval/text_to_image/r10"]["items"] == 24);
  CHECK(summary["retrieval/image_to_text/r1"]["items"] == 24);  // one caption a picture
  CHECK(summary["forced_choice/foils_test/accuracy"]["items"] == 24);
  CHECK_THAT(core::read_file(dir.file("eval/results.md")), Contains("phrase/tiou (%)"));
  CHECK(fs::exists(dir.file("eval/phrase_alignment.png")));
  int maps = 0;
  for (const auto& entry : fs::directory_iterator(dir.file("eval/attention"))) maps += entry.path().extension() == ".png";
  CHECK(maps == 2);

  // Another forced-choice set instead of the run's own, and only the tasks asked for.
  const std::string again = dir.write("again.jsonl", core::read_file(small_caption_world() + "/foils/foils_test.jsonl"));
  auto other = test::run_command(test::program("vgs-eval") + " --runs " + dir.file("run") + " --out " + dir.file("eval2") +
                                 " --set eval.tasks=[forced_choice] --set eval.forced_choice=[" + again + "] 2>&1");
  INFO(other.output);
  REQUIRE(other.exit_code == 0);
  const auto only = nlohmann::json::parse(core::read_file(dir.file("eval2/results.json")))["summary"];
  CHECK(only.contains("forced_choice/again/accuracy"));
  CHECK_FALSE(only.contains("forced_choice/foils_test/accuracy"));
  CHECK_FALSE(only.contains("phrase/tiou"));

  // A two-tower protocol asked of a text grouping run, or captions without their images: one line each.
  auto me = test::run_command(test::program("vgs-eval") + " --runs " + dir.file("run") + " --set eval.tasks=[me] 2>&1");
  CHECK(me.exit_code != 0);
  CHECK_THAT(me.output, Contains("eval.tasks: 'me' is a two-tower protocol; a text grouping run takes phrase_alignment"));
  auto half = test::run_command(test::program("vgs-eval") + " --runs " + dir.file("run") + " --set eval.captions=x.jsonl 2>&1");
  CHECK(half.exit_code != 0);
  CHECK_THAT(half.output, Contains("eval.captions and eval.caption_images go together"));
}

TEST_CASE("two Gloo ranks train the text grouping model with global negatives through vgs-launch") {
  // The gradient equality with one process is tested on the loss (test_text_grouping_ranks.cpp): here
  // the trainer wires it, and the Gumbel noise each rank draws for its own captions is not comparable.
  test::TempDir dir;
  auto r = test::run_command(test::program("vgs-launch") + " --nproc 2 -- " +
                             train_command(dir, "run", "--set train.threads=1"));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("rank 0 of 2 (torchrun variables"));
  const auto test = results(dir.file("run"))["test"];
  CHECK(std::isfinite(test["test/phrase/tiou"].get<double>()));
  CHECK(std::isfinite(test["test/retrieval/text_to_image/r10"].get<double>()));
}
