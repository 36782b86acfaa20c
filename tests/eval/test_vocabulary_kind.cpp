// Tests of which vocabulary list vgs-eval puts a word on (vgs/eval/evaluator.h): familiar and novel
// are the paper's two lists, and any other word, "nautilus" included, is on neither, not familiar.
#include <catch2/catch.hpp>

#include "vgs/eval/evaluator.h"

using namespace vgs;

TEST_CASE("vocabulary kind puts the paper's words on their lists and an out of vocabulary word on neither") {
  CHECK(eval::vocabulary_kind("dog") == data::WordKind::familiar);
  CHECK(eval::vocabulary_kind("ball") == data::WordKind::novel);
  for (const auto& w : data::novel_words()) CHECK(eval::vocabulary_kind(w.english) == data::WordKind::novel);
  for (const auto& w : data::familiar_words()) CHECK(eval::vocabulary_kind(w.english) == data::WordKind::familiar);
  // Neither novel nor familiar: the paper leaves nautilus out, and a made-up word is on no list.
  CHECK_FALSE(eval::vocabulary_kind(data::excluded_novel_word).has_value());
  CHECK_FALSE(eval::vocabulary_kind("zebrafish").has_value());
  CHECK_FALSE(eval::vocabulary_kind("").has_value());
}
