// Tests of the toy world on a tiny configuration (2 familiar and 2 novel words, every language):
// readable manifests, audible 16 kHz speech, drawn 256 x 256 pictures, consistent trial lists,
// byte-identical regeneration for a seed, reuse, and the errors a user can meet.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "tests/support/temp_dir.h"
#include "vgs/core/error.h"
#include "vgs/core/fs.h"
#include "vgs/data/manifest.h"
#include "vgs/data/toy_images.h"
#include "vgs/data/toy_world.h"
#include "vgs/data/trials.h"
#include "vgs/data/vocabulary.h"
#include "vgs/io/audio.h"
#include "vgs/io/image.h"

using namespace vgs;
using Catch::Contains;
namespace fs = std::filesystem;

namespace {

data::ToyWorldOptions tiny(uint64_t seed = 3) {
  data::ToyWorldOptions o;
  o.seed = seed;
  o.familiar = {"dog", "elephant"};
  o.novel = {"ball", "cake"};
  o.train_audio = 2;
  o.val_audio = 1;
  o.test_audio = 2;
  o.train_images = 2;
  o.val_images = 2;
  o.test_images = 2;
  o.novel_audio = 2;
  o.novel_images = 2;
  o.trials_per_word = 2;
  o.progress = false;
  return o;
}

// Every file under `dir`, by relative path, with its bytes.
std::map<std::string, std::string> files_of(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file()) out[fs::relative(entry.path(), dir).string()] = core::read_file(entry.path().string());
  return out;
}

using AudioBySplit = std::map<std::string, std::vector<data::AudioItem>>;
using ImagesBySplit = std::map<std::string, std::vector<data::ImageItem>>;

struct Manifests {
  AudioBySplit audio;
  ImagesBySplit images;
};

// The manifests of every split, checked for relative paths and unique ids.
Manifests read_manifests(const std::string& out) {
  Manifests m;
  auto& [audio, images] = m;
  std::set<std::string> ids;
  for (const std::string split : {"train", "val", "test"}) {
    const std::string audio_path = data::toy_world_manifest(out, "audio", split);
    const std::string image_path = data::toy_world_manifest(out, "images", split);
    CHECK_THAT(core::read_file(audio_path), Contains("\"path\":\"../audio/"));  // relative, the folder can move
    audio[split] = data::read_audio_manifest(audio_path);
    images[split] = data::read_image_manifest(image_path);
    for (const auto& item : audio[split]) CHECK(ids.insert(item.id).second);
    for (const auto& item : images[split]) CHECK(ids.insert(item.id).second);
  }
  return m;
}

// One spoken word: 16 kHz mono, a word and its silences, a peak below clipping.
void check_audio_item(const data::AudioItem& item) {
  CHECK(item.speaker.rfind(item.lang, 0) == 0);  // an espeak-ng voice of the item's language
  CHECK(item.path.find("/audio/" + item.lang + "/") != std::string::npos);
  const auto info = io::audio_info(item.path);
  CHECK(info.sample_rate == 16000);
  CHECK(info.channels == 1);
  const auto samples = io::read_audio(item.path, 16000);
  REQUIRE(samples.size() > 4000);  // a word and its silences: well over 0.25 s
  float peak = 0;
  for (float x : samples) peak = std::max(peak, std::abs(x));
  CHECK(peak > 0.2f);
  CHECK(peak < 1.0f);
}

void check_audio(const AudioBySplit& audio) {
  std::set<std::string> languages, voices;
  for (const auto& [split, items] : audio)
    for (const auto& item : items) {
      languages.insert(item.lang);
      voices.insert(item.speaker);
      check_audio_item(item);
    }
  CHECK(languages == std::set<std::string>{"en", "fr", "nl"});
  CHECK(voices.size() > 5);
}

void check_images(const ImagesBySplit& images) {
  std::set<std::string> sources;
  for (const auto& [split, items] : images)
    for (const auto& item : items) {
      sources.insert(item.source);
      const auto picture = io::decode_image(item.path);
      REQUIRE(picture.channels == 3);
      CHECK(picture.height == 256);
      CHECK(picture.width == 256);
      CHECK(picture.at(0, 0, 0) == 1.0f);  // white background
      CHECK(*std::min_element(picture.data.begin(), picture.data.end()) < 0.5f);
    }
  CHECK(sources == std::set<std::string>{"toy_a", "toy_b"});
}

// Familiar trials in val and test, ME trials in test only (no novel val items), per language.
void check_trial_lists(const std::string& out, Manifests& m) {
  auto& [audio, images] = m;
  for (const std::string lang : {"en", "fr", "nl"}) {
    for (const std::string split : {"val", "test"}) {
      const std::string path = data::toy_world_trials(out, "familiar", split, lang);
      auto trials = data::read_trials(path);
      CHECK(trials.size() == 4);  // 2 words x 2
      CHECK_NOTHROW(data::check_trials(trials, audio[split], images[split], path));
    }
    const std::string me = data::toy_world_trials(out, "me", "test", lang);
    auto trials = data::read_trials(me);
    CHECK(trials.size() == 4);
    CHECK(trials[0].word == "ball");
    CHECK_NOTHROW(data::check_trials(trials, audio["test"], images["test"], me));
    CHECK_FALSE(fs::exists(data::toy_world_trials(out, "me", "val", lang)));  // no novel val items
  }
}

}  // namespace

TEST_CASE("toy world: manifests and audio and images and trials of a tiny configuration") {
  test::TempDir dir;
  const std::string out = dir.file("toy");
  auto result = data::make_toy_world(out, tiny());
  CHECK_FALSE(result.reused);
  // Audio: familiar 2 words x 3 languages x (2 + 1 + 2), novel 2 x 3 x 2. Images: 2 x (2 + 2 + 2) + 2 x 2.
  CHECK(result.audio_items == 42);
  CHECK(result.image_items == 16);
  CHECK(fs::exists(out + "/toy_world.json"));
  CHECK_FALSE(fs::exists(out + "/toy_world.partial"));

  Manifests m = read_manifests(out);
  CHECK(m.audio["train"].size() == 12);
  CHECK(m.audio["val"].size() == 6);
  CHECK(m.audio["test"].size() == 24);
  CHECK(m.images["test"].size() == 8);
  check_audio(m.audio);
  check_images(m.images);
  check_trial_lists(out, m);
  CHECK_THAT(core::read_file(out + "/toy_world.json"), Contains("\"fr\": \"éléphant\""));
}

TEST_CASE("toy world: the same seed gives byte-identical files whatever the threads") {
  test::TempDir dir;
  auto options = tiny(5);
  options.threads = 2;
  data::make_toy_world(dir.file("a"), options);
  options.threads = 1;
  data::make_toy_world(dir.file("b"), options);
  const auto a = files_of(dir.file("a")), b = files_of(dir.file("b"));
  REQUIRE(a.size() == 42 + 16 + 6 + 9 + 1);  // audio, images, manifests, trial lists, toy_world.json
  CHECK(a == b);
  data::make_toy_world(dir.file("c"), tiny(6));
  const auto c = files_of(dir.file("c"));
  REQUIRE(c.size() == a.size());
  CHECK(a.at("audio/en/dog_train_001.wav") != c.at("audio/en/dog_train_001.wav"));
  CHECK(a.at("images/dog_train_001.png") != c.at("images/dog_train_001.png"));
  CHECK(a.at("trials/me_test_fr.jsonl") != c.at("trials/me_test_fr.jsonl"));
}

TEST_CASE("toy world: a finished world is reused and remade only with force") {
  test::TempDir dir;
  const std::string out = dir.file("toy");
  data::make_toy_world(out, tiny());
  const auto before = files_of(out);
  auto again = data::make_toy_world(out, tiny());
  CHECK(again.reused);
  CHECK(again.audio_items == 42);
  auto other = tiny();
  other.trials_per_word = 1;
  CHECK_THROWS_WITH(data::make_toy_world(out, other), Contains("trials_per_word: 2, asked 1") && Contains("--force"));
  other.force = true;
  auto remade = data::make_toy_world(out, other);
  CHECK_FALSE(remade.reused);
  CHECK(data::read_trials(data::toy_world_trials(out, "me", "test", "en")).size() == 2);  // 2 novel words x 1
  // An interrupted run (no toy_world.json) is remade from scratch.
  fs::remove(out + "/toy_world.json");
  core::write_file_atomic(out + "/toy_world.partial", "{}\n");
  core::write_file_atomic(out + "/audio/en/stale.wav", "x");
  data::make_toy_world(out, tiny());
  CHECK(files_of(out) == before);
}

TEST_CASE("toy world: a world drawn by an older vgs is remade with the same options") {
  test::TempDir dir;
  const std::string out = dir.file("toy");
  data::make_toy_world(out, tiny());
  // What an older vgs wrote: no "drawing" among the options.
  auto summary = nlohmann::json::parse(core::read_file(out + "/toy_world.json"));
  summary["options"].erase("drawing");
  core::write_file_atomic(out + "/toy_world.json", summary.dump(1));
  CHECK_FALSE(data::make_toy_world(out, tiny()).reused);
  CHECK(data::make_toy_world(out, tiny()).reused);  // and then it is current
}

TEST_CASE("toy world: errors a user can meet") {
  test::TempDir dir;
  auto options = tiny();
  options.espeak = "/nonexistent/espeak-ng";
  CHECK_THROWS_WITH(data::make_toy_world(dir.file("toy"), options), Contains("install the espeak-ng package"));
  CHECK_FALSE(fs::exists(dir.file("toy")));
  dir.write("busy/notes.txt", "mine");
  CHECK_THROWS_WITH(data::make_toy_world(dir.file("busy"), tiny()), Contains("not empty and not a toy world"));
  CHECK(core::read_file(dir.file("busy/notes.txt")) == "mine");
  options = tiny();
  options.familiar = {"dog", "ball"};
  CHECK_THROWS_WITH(data::make_toy_world(dir.file("toy"), options), Contains("'ball' is not a familiar word"));
  options = tiny();
  options.languages = {"en", "de"};
  CHECK_THROWS_WITH(data::make_toy_world(dir.file("toy"), options), Contains("language 'de' is not one of en, fr, nl"));
  options = tiny();
  options.familiar = {"dog"};
  CHECK_THROWS_WITH(data::make_toy_world(dir.file("toy"), options), Contains("at least 2 familiar words"));
}

TEST_CASE("toy world: every word has its own picture style, novel ones unlike any familiar one") {
  REQUIRE(data::toy_style_count() >= static_cast<int>(data::all_words().size()));
  std::set<data::ToyShape> shapes;
  std::set<data::ToyTexture> familiar_textures, novel_textures;
  for (size_t i = 0; i < data::all_words().size(); ++i) {
    const bool novel = data::all_words()[i].kind == data::WordKind::novel;
    const auto style = data::toy_style(static_cast<int>(i), novel ? data::ToyLook::novel : data::ToyLook::familiar);
    CHECK(shapes.insert(style.shape).second);
    CHECK(style.colour != style.pattern);
    (novel ? novel_textures : familiar_textures).insert(style.texture);
  }
  // Novel objects wear textures no familiar object wears (and shapes of their own, above).
  CHECK(familiar_textures.size() == 3);
  CHECK(novel_textures.size() == 3);
  for (auto texture : novel_textures) CHECK_FALSE(familiar_textures.count(texture));
  const auto style = data::toy_style(0, data::ToyLook::familiar);
  data::ToyPose pose;
  CHECK(data::render_toy_png(style, pose) == data::render_toy_png(style, pose));
  pose.source = 1;
  CHECK(data::render_toy_png(style, pose) != data::render_toy_png(style, data::ToyPose{}));
  CHECK_THROWS_AS(data::toy_style(data::toy_style_count(), data::ToyLook::familiar), Error);
}
