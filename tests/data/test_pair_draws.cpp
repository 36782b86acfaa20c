// Fixed pair draws (splits.valid_draws): the file round-trips, bad lines name file and line, and the
// check against the manifests names the first bad draw.
#include <catch2/catch.hpp>

#include "tests/support/temp_dir.h"
#include "vgs/data/pair_draws.h"

using namespace vgs;
using Catch::Contains;

namespace {

std::vector<data::AudioItem> audio_items() {
  return {{"a_dog", "/x.wav", {}, {}, "en", "dog"}, {"a_cat", "/y.wav", {}, {}, "en", "cat"},
          {"a_car", "/z.wav", {}, {}, "en", "car"}};
}
std::vector<data::ImageItem> image_items() { return {{"i_dog", "/x.png", "dog"}, {"i_cat", "/y.png", "cat"}, {"i_car", "/z.png", "car"}}; }

}  // namespace

TEST_CASE("pair draws round-trip through their JSON Lines file") {
  test::TempDir dir;
  std::vector<data::PairDraw> draws{{"dog", "a_dog", "i_dog", {"a_cat", "a_car"}, {"i_car", "i_car"}},
                                    {"cat", "a_cat", "i_cat", {"a_dog", "a_car"}, {"i_dog", "i_car"}}};
  data::write_pair_draws(dir.file("d.jsonl"), draws);
  auto back = data::read_pair_draws(dir.file("d.jsonl"));
  REQUIRE(back.size() == 2);
  CHECK(back[1].word == "cat");
  CHECK(back[1].negative_images == std::vector<std::string>{"i_dog", "i_car"});
  CHECK(back[0].line == 1);
  CHECK(back[1].line == 2);
  data::check_pair_draws(back, audio_items(), image_items(), dir.file("d.jsonl"));
}

TEST_CASE("bad pair draws name the file and line") {
  test::TempDir dir;
  const std::string good = R"({"word":"dog","audio":"a_dog","image":"i_dog","negative_audios":["a_cat"],"negative_images":["i_cat"]})";
  auto error_for = [&](const std::string& content) {
    const std::string path = dir.write("bad.jsonl", content);
    return test::error_of([&] { data::read_pair_draws(path); });
  };
  CHECK(error_for("") == dir.file("bad.jsonl") + ": holds no draws");
  CHECK(error_for(good + "\n{\"word\": 3}\n") == dir.file("bad.jsonl") + ":2: field 'word' must be a non-empty string");
  CHECK_THAT(error_for(R"({"word":"dog","audio":"a","image":"i","negative_audios":["x","y"],"negative_images":["z"]})"),
             Contains("bad.jsonl:1: 2 negative audios but 1 negative images"));
  CHECK_THAT(error_for(good + "\n" +
                       R"({"word":"dog","audio":"a","image":"i","negative_audios":["x","y"],"negative_images":["z","w"]})"),
             Contains("bad.jsonl:2: 2 negatives, but line 1 has 1"));
  CHECK_THAT(error_for("{oops\n"), Contains("bad.jsonl:1: malformed JSON"));
}

TEST_CASE("pair draws are checked against the manifests") {
  auto error_for = [](data::PairDraw d) {
    d.line = 7;
    return test::error_of([&] { data::check_pair_draws({d}, audio_items(), image_items(), "v.jsonl"); });
  };
  CHECK(error_for({"dog", "a_cat", "i_dog", {"a_car"}, {"i_car"}}) == "v.jsonl:7: audio 'a_cat' is not of 'dog'");
  CHECK(error_for({"dog", "a_dog", "i_cat", {"a_car"}, {"i_car"}}) == "v.jsonl:7: image 'i_cat' is not of 'dog'");
  CHECK(error_for({"dog", "a_dog", "i_dog", {"a_dog"}, {"i_car"}}) ==
        "v.jsonl:7: negative audio 'a_dog' is of the draw's own word 'dog'");
  CHECK(error_for({"dog", "a_dog", "i_dog", {"a_car"}, {"i_dog"}}) ==
        "v.jsonl:7: negative image 'i_dog' is of the draw's own word 'dog'");
  CHECK(error_for({"dog", "a_dog", "i_dog", {"a_fox"}, {"i_car"}}) ==
        "v.jsonl:7: negative audio 'a_fox' is not among the split's items (manifest, run languages)");
}
