// Tests of the ME vocabulary: the paper's word lists, their translations and the lookups.
#include <catch2/catch.hpp>

#include <set>

#include "vgs/core/error.h"
#include "vgs/data/vocabulary.h"

using namespace vgs;
using Catch::Contains;

TEST_CASE("vocabulary: 13 familiar and 19 novel words in the paper's order") {
  REQUIRE(data::familiar_words().size() == 13);
  REQUIRE(data::novel_words().size() == 19);
  REQUIRE(data::all_words().size() == 32);
  CHECK(data::familiar_words().front().english == "dog");
  CHECK(data::familiar_words().back().english == "sheep");
  CHECK(data::novel_words().front().english == "ball");
  CHECK(data::novel_words().back().english == "chair");
  CHECK(data::all_words()[13].english == "ball");
  for (const auto& w : data::familiar_words()) CHECK(w.kind == data::WordKind::familiar);
  for (const auto& w : data::novel_words()) CHECK(w.kind == data::WordKind::novel);
  CHECK(data::find_word(data::excluded_novel_word) == nullptr);
  std::set<std::string> english;
  for (const auto& w : data::all_words()) {
    CHECK(english.insert(w.english).second);
    for (const auto& lang : data::vocabulary_languages()) CHECK_FALSE(w.form(lang).empty());
  }
}

TEST_CASE("vocabulary: translations from the reference table") {
  CHECK(data::word("dog").form("fr") == "chien");
  CHECK(data::word("dog").form("nl") == "hond");
  CHECK(data::word("elephant").form("fr") == "éléphant");
  CHECK(data::word("umbrella").dutch == "paraplu");
  CHECK(data::word("sheep").french == "mouton");
  CHECK(data::word("buck").form("fr") == "cerf");
  CHECK(data::word("buck").form("nl") == "bok");
  CHECK(data::word("cake").form("fr") == "gâteau");
  CHECK(data::word("toilet").form("fr") == "toilettes");
  CHECK(data::word("fan").form("nl") == "ventilator");
  CHECK(data::word("chair").form("en") == "chair");
  CHECK(data::word("bus").form("nl") == "bus");
}

TEST_CASE("vocabulary: lookups and their errors") {
  CHECK(data::word_index("dog") == 0);
  CHECK(data::word_index("ball") == 13);
  CHECK(data::word_index("chair") == 31);
  CHECK(data::english_forms(data::familiar_words())[1] == "boat");
  CHECK_THROWS_WITH(data::word("elefant"), Contains("did you mean 'elephant'"));
  CHECK_THROWS_WITH(data::word("nautilus"), Contains("leaves it out"));
  CHECK_THROWS_WITH(data::word("dog").form("de"), Contains("language 'de' is not in the vocabulary"));
  CHECK_THROWS_AS(data::word_index("zebra"), Error);
}
