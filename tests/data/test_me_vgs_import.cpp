// vgs-prepare import-me-vgs on a small me-vgs data folder written here in me-vgs's formats: manifests
// from its file lists (the newest audio list of a split), trial lists entry for entry (repeats kept),
// validation samples as pair draws, familiar val trials drawn where me-vgs has none, and errors that
// name the me-vgs file and entry.
#include <catch2/catch.hpp>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/support/temp_dir.h"
#include "vgs/data/manifest.h"
#include "vgs/data/me_vgs_import.h"
#include "vgs/data/pair_draws.h"
#include "vgs/data/trials.h"

using namespace vgs;
using nlohmann::json;
using Catch::Contains;
namespace fs = std::filesystem;

namespace {

json audio(const std::string& name, const std::string& lang, const std::string& word) {
  return {{"lang", lang}, {"name", name}, {"word-en", word}};
}
json image(const std::string& name, const std::string& word, const std::string& source = "") {
  json j = {{"name", name}, {"word-en", word}};
  if (!source.empty()) j["source"] = source;
  return j;
}
json trial(const json& a, const json& positive, const json& negative) {
  return {{"audio", a}, {"image-pos", positive}, {"image-neg", negative}};
}

// data/filelists/ of a me-vgs checkout with English and French, two familiar words and one novel.
std::string write_me_vgs_folder(const test::TempDir& dir) {
  const std::string lists = dir.file("me-vgs/data/filelists");
  fs::create_directories(lists);
  auto put = [&](const std::string& name, const json& value) { dir.write("me-vgs/data/filelists/" + name, value.dump(2)); };
  put("audio-train.json", json::array({audio("dog_a1", "english", "dog"), audio("dog_a2", "english", "dog"),
                                       audio("cat_a1", "english", "cat"), audio("chien_a1", "french", "dog"),
                                       audio("chat_a1", "french", "cat")}));
  put("audio-valid.json", json::array({audio("dog_v1", "english", "dog"), audio("cat_v1", "english", "cat"),
                                       audio("chien_v1", "french", "dog"), audio("chat_v1", "french", "cat")}));
  put("audio-test.json", json::array({audio("old_t1", "english", "dog")}));  // superseded by -3
  put("audio-test-3.json", json::array({audio("dog_t1", "english", "dog"), audio("cat_t1", "english", "cat"),
                                         audio("ball_t1", "english", "ball"), audio("ballon_t1", "french", "ball")}));
  put("image-train.json", json::array({image("dog_i1", "dog"), image("cat_i1", "cat")}));
  put("image-valid.json", json::array({image("dog_iv1", "dog"), image("cat_iv1", "cat")}));
  put("image-test.json", json::array({image("dog_it1", "dog", "mscoco"), image("cat_it1", "cat", "mscoco"),
                                       image("ball_it1", "ball", "mscoco")}));
  const json ff = trial(audio("dog_t1", "english", "dog"), image("dog_it1", "dog"), image("cat_it1", "cat"));
  put("familiar-familiar-english-test.json", json::array({ff, ff}));  // me-vgs may repeat a trial
  put("novel-familiar-test.json",  // the first, English-only name
      json::array({trial(audio("ball_t1", "english", "ball"), image("ball_it1", "ball"), image("dog_it1", "dog"))}));
  put("novel-familiar-french-test.json",
      json::array({trial(audio("ballon_t1", "french", "ball"), image("ball_it1", "ball"), image("cat_it1", "cat"))}));
  put("validation-samples-english_french-P1-N1.json",
      json::array({{{"audios-pos", {audio("dog_v1", "english", "dog")}}, {"images-pos", {image("dog_iv1", "dog")}},
                    {"audios-neg", {audio("chat_v1", "french", "cat")}}, {"images-neg", {image("cat_iv1", "cat")}}}}));
  return dir.file("me-vgs");
}

}  // namespace

TEST_CASE("a me-vgs data folder becomes manifests, trial lists and validation draws") {
  test::TempDir dir;
  const std::string root = write_me_vgs_folder(dir), out = dir.file("me");
  const auto report = data::import_me_vgs(root, out);
  CHECK(report.written.size() == 6 + 3 + 2 + 1);  // manifests, test trials, val trials (en, fr), draws

  const auto train_audio = data::read_audio_manifest(out + "/manifests/audio_train.jsonl");
  REQUIRE(train_audio.size() == 5);
  CHECK(train_audio[3].id == "chien_a1");
  CHECK(train_audio[3].lang == "fr");
  CHECK(train_audio[3].label == "dog");
  CHECK(train_audio[3].path == fs::absolute(root + "/data/french_words/chien_a1.wav").lexically_normal().string());
  const auto test_audio = data::read_audio_manifest(out + "/manifests/audio_test.jsonl");
  CHECK(test_audio.size() == 4);  // audio-test-3.json, not audio-test.json
  const auto test_images = data::read_image_manifest(out + "/manifests/images_test.jsonl");
  CHECK(test_images[2].source == "mscoco");
  CHECK(test_images[2].path == fs::absolute(root + "/data/images/ball_it1.jpg").lexically_normal().string());

  const auto familiar = data::read_trials(out + "/trials/familiar_test_en.jsonl");
  REQUIRE(familiar.size() == 2);  // the repeated trial is kept
  CHECK(familiar[1].id == "familiar-en-000002");
  CHECK(familiar[1].audio == "dog_t1");
  CHECK(familiar[1].negative == "cat_it1");
  CHECK(data::read_trials(out + "/trials/me_test_en.jsonl").at(0).audio == "ball_t1");
  const auto me_fr = data::read_trials(out + "/trials/me_test_fr.jsonl");
  CHECK(me_fr.at(0).lang == "fr");
  CHECK(me_fr.at(0).word == "ball");
  CHECK(me_fr.at(0).test == "me");
  CHECK(!fs::exists(out + "/trials/familiar_test_fr.jsonl"));  // not in the folder: said, not made up
  CHECK_THAT(report.missing.front(), Contains("familiar-familiar-french-test.json"));
  CHECK(data::read_trials(out + "/trials/familiar_val_fr.jsonl").size() == 2 * 50);  // drawn: 13 -> 2 words here

  const auto draws = data::read_pair_draws(out + "/draws/valid_en_fr_p1_n1.jsonl");
  REQUIRE(draws.size() == 1);
  CHECK(draws[0].audio == "dog_v1");
  CHECK(draws[0].image == "dog_iv1");
  CHECK(draws[0].negative_audios == std::vector<std::string>{"chat_v1"});
  CHECK(draws[0].negative_images == std::vector<std::string>{"cat_iv1"});
}

TEST_CASE("vgs-prepare import-me-vgs runs the import and says what it wrote") {
  test::TempDir dir;
  const std::string root = write_me_vgs_folder(dir);
  auto result = test::run_command(test::program("vgs-prepare") + " import-me-vgs " + root + " " + dir.file("me"));
  CHECK(result.exit_code == 0);
  CHECK_THAT(result.output, Contains("wrote " + dir.file("me") + "/trials/familiar_test_en.jsonl"));
  result = test::run_command(test::program("vgs-prepare") + " import-me-vgs " + dir.file("nowhere") + " " + dir.file("x"));
  CHECK(result.exit_code != 0);
  CHECK_THAT(result.output, Contains("not a me-vgs folder (no data/filelists/ in it)"));
}

TEST_CASE("a bad me-vgs list names the file and the entry") {
  test::TempDir dir;
  const std::string root = write_me_vgs_folder(dir);
  const std::string lists = root + "/data/filelists/";
  auto import_error = [&] { return test::error_of([&] { data::import_me_vgs(root, dir.file("me")); }); };
  dir.write("me-vgs/data/filelists/image-valid.json", R"([{"name": "dog_iv1", "word-en": "dog"}, {"name": "x"}])");
  CHECK(import_error() == lists + "image-valid.json: entry 2: missing or empty 'word-en'");
  dir.write("me-vgs/data/filelists/image-valid.json", R"([{"name": "dog_iv1", "word-en": "dog"}, {"name": "dog_iv1", "word-en": "dog"}])");
  CHECK(import_error() == lists + "image-valid.json: entry 2: name 'dog_iv1' listed twice");
  dir.write("me-vgs/data/filelists/image-valid.json", R"([{"name": "dog_iv1", "word-en": "dog"}, {"name": "cat_iv1", "word-en": "cat"}])");
  dir.write("me-vgs/data/filelists/audio-valid.json", R"([{"name": "h", "lang": "german", "word-en": "dog"}])");
  CHECK(import_error() == lists + "audio-valid.json: entry 1: unknown language 'german' (me-vgs has english, french, dutch)");
  dir.write("me-vgs/data/filelists/audio-valid.json", R"({"name": "h"})");
  CHECK(import_error() == lists + "audio-valid.json: expected a JSON array (a me-vgs file list)");
}

TEST_CASE("trial lists that repeat triples can be drawn on purpose") {
  std::vector<data::AudioItem> audio{{"a1", "/a", {}, {}, "en", "dog"}, {"a2", "/b", {}, {}, "en", "cat"}};
  std::vector<data::ImageItem> images{{"i1", "/c", "dog"}, {"i2", "/d", "cat"}};
  // One audio, one positive and one negative per word: one distinct triple.
  CHECK_THAT(test::error_of([&] { data::familiar_trials(audio, images, "en", {"dog", "cat"}, 3, 42); }),
             Contains("'dog' allows only 1 distinct trials, fewer than 3 per word"));
  auto trials = data::familiar_trials(audio, images, "en", {"dog", "cat"}, 3, 42, data::Repeats::allowed);
  REQUIRE(trials.size() == 6);
  CHECK(trials[0].audio == trials[2].audio);
  CHECK(trials[0].negative == trials[2].negative);
}
