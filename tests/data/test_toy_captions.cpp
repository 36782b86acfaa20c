// The toy caption world: captions whose spans cut out each object's noun phrase, foils that differ
// from their caption in exactly one phrase, scenes agreeing with the phrases, and byte-identical files
// for the same seed.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/support/temp_dir.h"
#include "vgs/core/fs.h"
#include "vgs/data/json_lines.h"
#include "vgs/data/manifest.h"
#include "vgs/data/toy_captions.h"

using namespace vgs;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

data::ToyCaptionsOptions small_world(uint64_t seed) {
  data::ToyCaptionsOptions o;
  o.seed = seed;
  o.train_scenes = 12;
  o.val_scenes = 3;
  o.test_scenes = 6;
  o.image_size = 48;
  return o;
}

std::vector<json> read_lines(const std::string& path) {
  std::vector<json> lines;
  data::for_each_json_line(path, "test file", [&](const json& o, const std::string&, int) { lines.push_back(o); });
  return lines;
}

// The text with every span replaced by "#", and the phrases in order: two texts that share the
// skeleton differ only inside phrases (the toy captions are ASCII, so bytes are code points).
std::pair<std::string, std::vector<std::string>> skeleton(const std::string& text, const std::vector<data::PhraseSpan>& spans) {
  std::string rest;
  std::vector<std::string> phrases;
  int64_t at = 0;
  for (const auto& s : spans) {
    rest += text.substr(at, s.start - at) + "#";
    phrases.push_back(text.substr(s.start, s.end - s.start));
    at = s.end;
  }
  return {rest + text.substr(at), phrases};
}

}  // namespace

TEST_CASE("toy captions have phrase spans per object and foils that change exactly one phrase") {
  test::TempDir dir;
  const auto result = data::make_toy_captions(dir.path(), small_world(3));
  CHECK(result.images == 21);
  CHECK(result.foils == 21);
  const auto captions = data::read_caption_manifest(dir.file("manifests/captions_test.jsonl"));
  const auto images = data::read_image_manifest(dir.file("manifests/images_test.jsonl"));
  const auto scenes = read_lines(dir.file("manifests/scenes_test.jsonl"));
  const auto foils = read_lines(dir.file("foils/foils_test.jsonl"));
  REQUIRE(captions.size() == 6);
  REQUIRE(foils.size() == 6);
  for (size_t i = 0; i < captions.size(); ++i) {
    const auto& caption = captions[i];
    INFO(caption.text);
    CHECK(fs::is_regular_file(images[i].path));
    const json& objects = scenes[i]["objects"];
    REQUIRE(caption.spans.size() == objects.size());
    for (const auto& span : caption.spans) {
      const json& o = objects[std::stoi(span.label)];
      CHECK(caption.text.substr(span.start, span.end - span.start) ==
            "a " + o["size"].get<std::string>() + " " + o["colour"].get<std::string>() + " " +
                o["shape"].get<std::string>());
    }
    const json& foil = foils[i];
    CHECK(foil["caption"] == caption.text);
    CHECK(foil["image"] == caption.image);
    std::vector<data::PhraseSpan> foil_spans;
    for (const auto& s : foil["foil_spans"]) foil_spans.push_back({s["start"], s["end"], ""});
    const auto [caption_rest, caption_phrases] = skeleton(caption.text, caption.spans);
    const auto [foil_rest, foil_phrases] = skeleton(foil["foil"].get<std::string>(), foil_spans);
    CHECK(caption_rest == foil_rest);
    REQUIRE(caption_phrases.size() == foil_phrases.size());
    int differing = 0;
    for (size_t k = 0; k < caption_phrases.size(); ++k) differing += caption_phrases[k] != foil_phrases[k];
    CHECK(differing == 1);
  }
}

TEST_CASE("the same seed gives byte-identical toy caption files, another seed others") {
  test::TempDir a, b, c;
  data::make_toy_captions(a.path(), small_world(5));
  data::make_toy_captions(b.path(), small_world(5));
  data::make_toy_captions(c.path(), small_world(6));
  for (const std::string name : {"manifests/captions_train.jsonl", "manifests/scenes_val.jsonl", "foils/foils_test.jsonl",
                                 "images/train/train_00007.png"})
    CHECK(core::read_file(a.file(name)) == core::read_file(b.file(name)));
  CHECK(core::read_file(a.file("manifests/captions_train.jsonl")) != core::read_file(c.file("manifests/captions_train.jsonl")));
}

TEST_CASE("vgs-prepare toy-captions writes the toy caption world") {
  test::TempDir dir;
  const auto result = test::run_command(test::program("vgs-prepare") + " toy-captions " + dir.file("toy") +
                                        " --train 4 --val 0 --test 2 --image-size 40 2>&1");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  CHECK(result.output.find("6 pictures, 6 captions, 6 foils") != std::string::npos);
  CHECK(data::read_caption_manifest(dir.file("toy/manifests/captions_train.jsonl")).size() == 4);
  CHECK_FALSE(fs::exists(dir.file("toy/manifests/captions_val.jsonl")));
}
