// Tests of the on_bad_item policy with real bad files.
#include <catch2/catch.hpp>

#include "tests/support/temp_dir.h"
#include "vgs/data/bad_items.h"
#include "vgs/io/audio.h"

using namespace vgs;
using Catch::Contains;

TEST_CASE("error stops at the first bad item, naming item and file") {
  test::TempDir dir;
  data::BadItems bad(data::BadItemPolicy::error);
  std::string missing = dir.file("missing.wav");
  try {
    bad.guard("utt7", [&] { return io::read_audio(missing, 16000); });
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) == "item 'utt7': " + missing + ": audio file not found");
  }
}

TEST_CASE("skip leaves bad items out and counts them") {
  test::TempDir dir;
  std::string good = dir.file("good.wav");
  io::write_audio(good, std::vector<float>(1600, 0.1f), 16000);
  std::string corrupt = dir.write("corrupt.wav", "RIFF....junk");
  data::BadItems bad(data::BadItemPolicy::skip);
  int loaded = 0;
  for (const auto& [id, path] : std::vector<std::pair<std::string, std::string>>{
           {"a", good}, {"b", corrupt}, {"c", dir.file("none.wav")}, {"d", good}}) {
    auto samples = bad.guard(id, [&] { return io::read_audio(path, 16000); });
    loaded += samples.has_value();
  }
  CHECK(loaded == 2);
  CHECK(bad.skipped() == 2);
  REQUIRE(bad.reasons().size() == 2);
  CHECK_THAT(bad.reasons()[0], Contains("b: " + corrupt));
  bad.report("audio items");
  data::BadItemPolicy policy = data::BadItemPolicy::error;
  CHECK(data::bad_item_policies().parse("skip", policy));
  CHECK(policy == data::BadItemPolicy::skip);
  CHECK_FALSE(data::bad_item_policies().parse("ignore", policy));
  CHECK(data::bad_item_policies().names() == std::vector<std::string>{"error", "skip"});
}
