// Tests of the string helpers behind "did you mean" suggestions.
#include <catch2/catch.hpp>

#include "vgs/core/strings.h"

using namespace vgs::core;

TEST_CASE("edit distance counts insertions, deletions and substitutions") {
  CHECK(edit_distance("", "") == 0);
  CHECK(edit_distance("lr", "lr") == 0);
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("train.lrr", "train.lr") == 1);
  CHECK(edit_distance("abc", "") == 3);
}

TEST_CASE("closest match suggests near misses only") {
  std::vector<std::string> keys{"train.lr", "train.epochs", "audio.sample_rate"};
  CHECK(closest_match("train.lrr", keys) == "train.lr");
  CHECK(closest_match("audio.sampel_rate", keys) == "audio.sample_rate");
  CHECK(closest_match("model.width", keys).empty());
}

TEST_CASE("split, join and trim") {
  CHECK(split("a.b.c", '.') == std::vector<std::string>{"a", "b", "c"});
  CHECK(split("", '.') == std::vector<std::string>{""});
  CHECK(join({"a", "b"}, ", ") == "a, b");
  CHECK(trim("  x y \n") == "x y");
  CHECK(quote(std::string(100, 'a')).size() < 70);
}
