// Tests of bad items through vgs-train and vgs-eval on a copy of the small toy world with three bad
// files: a train recording of 10 samples (shorter than fbank's window), a train picture whose header
// claims 100000 x 100000 pixels, and a test recording that is not audio at all. With
// data.on_bad_item: skip they are left out and counted, in training and in evaluation, run after
// run; with `error` the first stops the run with a line naming its file.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

#include "tests/support/temp_dir.h"
#include "tests/support/toy_fixture.h"
#include "vgs/core/fs.h"
#include "vgs/io/audio.h"

using namespace vgs;
namespace fs = std::filesystem;
using Catch::Contains;

namespace {

// Makes `path` (a PNG) claim 100000 x 100000 pixels in its header.
void claim_huge_size(const std::string& path) {
  std::string bytes = core::read_file(path);
  const char huge[8] = {0, 1, static_cast<char>(0x86), static_cast<char>(0xA0), 0, 1, static_cast<char>(0x86),
                        static_cast<char>(0xA0)};
  bytes.replace(16, 8, huge, 8);
  core::write_file_atomic(path, bytes);
}

// A copy of the small toy world with the three bad files; returns the recipe training on it.
std::string write_world_with_bad_items(const test::TempDir& dir) {
  const std::string& original = test::small_toy_world(6, 2, 4, 64);
  const std::string world = dir.file("world");
  fs::copy(original, world, fs::copy_options::recursive);
  io::write_audio(world + "/audio/en/dog_train_001.wav", std::vector<float>(10, 0.1f), 16000, io::AudioFormat::wav_pcm16);
  claim_huge_size(world + "/images/cat_train_002.png");
  core::write_file_atomic(world + "/audio/en/car_test_001.wav", "not audio at all");
  std::string recipe = core::read_file(test::write_small_toy_recipe(dir, "run"));
  for (size_t at = recipe.find(original); at != std::string::npos; at = recipe.find(original, at))
    recipe.replace(at, original.size(), world);
  return dir.write("bad.yaml", recipe);
}

}  // namespace

TEST_CASE("data.on_bad_item: skip leaves bad files out of training and evaluation, run after run") {
  test::TempDir dir;
  const std::string recipe = write_world_with_bad_items(dir);
  const std::string train = test::program("vgs-train") + " " + recipe + " --set data.on_bad_item=skip";
  auto first = test::run_command(train);
  INFO(first.output);
  REQUIRE(first.exit_code == 0);
  // Extraction names each bad file and why; the splits say what they left out.
  CHECK_THAT(first.output, Contains("dog_train_001.wav: 10 samples at 16000 Hz, fewer than the 400 that fbank needs"));
  CHECK_THAT(first.output, Contains("cat_train_002.png: the image claims 100000x100000 pixels"));
  CHECK_THAT(first.output, Contains("car_test_001.wav"));
  CHECK_THAT(first.output, Contains("train: left out 1 audio items and 1 images without features"));
  CHECK_THAT(first.output, Contains("test: left out 1 audio items and 0 images without features"));
  CHECK_THAT(first.output, Contains("familiar_test_en: left out"));
  // A second run reuses the stores (nothing is extracted again) and leaves the same items out.
  auto second = test::run_command(train + " --set run.dir=" + dir.file("again"));
  INFO(second.output);
  CHECK(second.exit_code == 0);
  CHECK_THAT(second.output, Contains("train: left out 1 audio items and 1 images without features"));
  auto eval = test::run_command(test::program("vgs-eval") + " --runs " + dir.file("run"));
  INFO(eval.output);
  CHECK(eval.exit_code == 0);
  CHECK_THAT(eval.output, Contains("test: left out 1 audio items"));
}

TEST_CASE("data.on_bad_item: error stops at the first bad file with one line naming it") {
  test::TempDir dir;
  const std::string recipe = write_world_with_bad_items(dir);
  auto r = test::run_command(test::program("vgs-train") + " " + recipe);
  INFO(r.output);
  CHECK(r.exit_code == 2);
  const size_t error = r.output.find("vgs-train: error: ");
  REQUIRE(error != std::string::npos);
  const std::string line = r.output.substr(error);
  CHECK(std::count(line.begin(), line.end(), '\n') == 1);  // one line, the last
  CHECK_THAT(line, Contains("vgs-train: error: item 'en_dog_train_001': ") &&
                       Contains("dog_train_001.wav: 10 samples at 16000 Hz, fewer than the 400 that fbank needs"));
}
