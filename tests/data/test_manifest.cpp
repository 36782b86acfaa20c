// Tests of JSON Lines manifests: fields, relative paths, round trips, and every error with its line.
#include <catch2/catch.hpp>

#include <filesystem>

#include "tests/support/temp_dir.h"
#include "vgs/core/error.h"
#include "vgs/core/fs.h"
#include "vgs/data/manifest.h"

using namespace vgs;
using Catch::Contains;

namespace {
using vgs::test::error_of;
}  // namespace

TEST_CASE("audio manifests: fields, optional segments, paths relative to the manifest") {
  test::TempDir dir;
  std::string path = dir.write("m/audio.jsonl",
                               "{\"id\": \"en_dog_1\", \"path\": \"wav/dog.wav\", \"lang\": \"en\", \"label\": \"dog\"}\n"
                               "\n"
                               "{\"id\": \"fr_chien_1\", \"path\": \"/abs/x.flac\", \"lang\": \"fr\", \"label\": \"dog\", "
                               "\"start\": 1.25, \"end\": 1.75, \"speaker\": \"s3\", \"source\": \"mls\", \"image\": \"img1\"}\n");
  auto items = data::read_audio_manifest(path);
  REQUIRE(items.size() == 2);
  CHECK(items[0].path == dir.file("m/wav/dog.wav"));
  CHECK_FALSE(items[0].start.has_value());
  CHECK(items[1].path == "/abs/x.flac");
  CHECK(*items[1].start == 1.25);
  CHECK(*items[1].end == 1.75);
  CHECK(items[1].speaker == "s3");
  CHECK(items[1].source == "mls");
  CHECK(items[1].image == "img1");
  CHECK(items[1].line == 3);
}

TEST_CASE("manifests round-trip through write and read") {
  test::TempDir dir;
  std::string a = dir.file("a.jsonl"), i = dir.file("i.jsonl"), c = dir.file("c.jsonl");
  data::AudioItem audio{"u1", dir.file("wav/u1.wav"), 0.5, 1.0, "nl", "hond", "spk", "", "", 0};
  data::write_audio_manifest(a, {audio});
  CHECK_THAT(core::read_file(a), Contains("\"path\":\"wav/u1.wav\""));
  auto audio_back = data::read_audio_manifest(a);
  CHECK(audio_back[0].path == audio.path);
  CHECK(*audio_back[0].end == 1.0);
  data::write_image_manifest(i, {{"img", "/elsewhere/x.png", "dog", "coco", 0}});
  CHECK(data::read_image_manifest(i)[0].path == "/elsewhere/x.png");
  data::write_caption_manifest(c, {{"c1", "img", "a black dog", {{2, 11, "dog"}}, 0}});
  auto captions = data::read_caption_manifest(c);
  REQUIRE(captions[0].spans.size() == 1);
  CHECK(captions[0].spans[0].start == 2);
  CHECK(captions[0].spans[0].label == "dog");
}

TEST_CASE("manifest errors name the file and the line") {
  test::TempDir dir;
  auto audio_error = [&](const std::string& body) {
    std::string p = dir.write("a.jsonl", body);
    return error_of([&] { data::read_audio_manifest(p); });
  };
  std::string f = dir.file("a.jsonl");
  std::string ok = "{\"id\": \"a\", \"path\": \"a.wav\", \"lang\": \"en\", \"label\": \"dog\"}\n";
  CHECK_THAT(audio_error(ok + "{\"id\": \"b\", \"path\": \n"), Contains(f + ":2: malformed JSON"));
  CHECK(audio_error(ok + "[1, 2]\n") == f + ":2: expected a JSON object");
  CHECK(audio_error(ok + "{\"id\": \"b\", \"path\": \"b.wav\", \"lang\": \"en\"}\n") == f + ":2: missing field 'label'");
  CHECK(audio_error(ok + "{\"id\": 7, \"path\": \"b.wav\", \"lang\": \"en\", \"label\": \"x\"}\n") ==
        f + ":2: field 'id' must be a string");
  CHECK(audio_error(ok + "{\"id\": \"b\", \"path\": \"\", \"lang\": \"en\", \"label\": \"x\"}\n") ==
        f + ":2: field 'path' is empty");
  CHECK(audio_error(ok + "\n" + ok) == f + ":3: duplicate id 'a' (first on line 1)");
  CHECK(audio_error("{\"id\": \"b\", \"path\": \"b.wav\", \"lang\": \"en\", \"label\": \"x\", \"start\": \"0\"}\n") ==
        f + ":1: field 'start' must be a number");
  CHECK(audio_error("{\"id\": \"b\", \"path\": \"b.wav\", \"lang\": \"en\", \"label\": \"x\", \"start\": 2, \"end\": 1}\n") ==
        f + ":1: field 'end' must be greater than 'start'");
  CHECK(audio_error("\n\n") == f + ": manifest holds no items");
  CHECK(error_of([&] { data::read_audio_manifest(dir.file("none.jsonl")); }) ==
        dir.file("none.jsonl") + ": manifest not found or unreadable");

  std::string images = dir.write("i.jsonl", "{\"id\": \"x\", \"path\": \"x.png\"}\n");
  CHECK(error_of([&] { data::read_image_manifest(images); }) == images + ":1: missing field 'label'");
  std::string captions = dir.write("c.jsonl", "{\"id\": \"c\", \"image\": \"x\", \"text\": \"a dog\", \"spans\": [{\"start\": 2, \"end\": 9}]}\n");
  CHECK(error_of([&] { data::read_caption_manifest(captions); }) == captions + ":1: span [2, 9) is outside the text (5 characters)");
  std::string bad_span = dir.write("d.jsonl", "{\"id\": \"c\", \"image\": \"x\", \"text\": \"a dog\", \"spans\": [{\"start\": 2}]}\n");
  CHECK(error_of([&] { data::read_caption_manifest(bad_span); }) == bad_span + ":1: each span must be {\"start\": int, \"end\": int}");
}

TEST_CASE("caption spans count characters, not bytes") {
  test::TempDir dir;
  // "café noir": 9 characters, 10 bytes.
  std::string p = dir.write("c.jsonl", "{\"id\": \"c\", \"image\": \"x\", \"text\": \"caf\xc3\xa9 noir\", \"spans\": [{\"start\": 5, \"end\": 9}]}\n");
  CHECK(data::read_caption_manifest(p)[0].spans[0].end == 9);
}
