// A caption's words, token -> word and phrase span -> words (text/caption_words.h), on hand-made
// captions: Flickr30K's pre-tokenized form, several spaces, non-ASCII letters (byte and code-point
// offsets differ), and a span past the end.
#include <catch2/catch.hpp>

#include "tests/support/temp_dir.h"
#include "vgs/text/caption_words.h"

using namespace vgs;

TEST_CASE("caption words keep byte and code-point ranges, and map tokens and phrases to words") {
  // "Ça" is 3 bytes and 2 code points.
  const std::string caption = "Ça  man in a red shirt .";
  const text::CaptionWords w = text::caption_words(caption);
  REQUIRE(w.words == std::vector<std::string>{"Ça", "man", "in", "a", "red", "shirt", "."});
  CHECK(w.begin[0] == 0);
  CHECK(w.end[0] == 3);
  CHECK(w.begin_char[1] == 4);  // two spaces after "Ça"
  CHECK(w.begin[1] == 5);
  CHECK(w.end_char[6] == 24);
  CHECK(w.characters == 24);

  // Tokens: [SOT] (empty span), "Ç" (bytes 0-2), "a" (2-3), "man" (5-8), "re" + "d" (14-16, 16-17), a
  // space (17-18), [EOT].
  const std::vector<text::Token> tokens{{1, 0, 0}, {5, 0, 2}, {6, 2, 3}, {7, 5, 8}, {8, 14, 16}, {9, 16, 17}, {3, 17, 18}, {2, 25, 25}};
  CHECK(text::token_words(w, tokens) == std::vector<int64_t>{-1, 0, 0, 1, 4, 4, -1, -1});

  // Phrases in code points: "Ça  man" = [0, 7), "a red shirt" = [11, 22), a span on the spaces only.
  const auto phrases = text::phrase_words(w, {{0, 7, ""}, {11, 22, ""}, {2, 4, ""}}, "caps.jsonl:3");
  REQUIRE(phrases.size() == 2);
  CHECK(phrases[0] == std::vector<int64_t>{0, 1});
  CHECK(phrases[1] == std::vector<int64_t>{3, 4, 5});
  CHECK(test::error_of([&] { text::phrase_words(w, {{30, 35, ""}}, "caps.jsonl:3"); }) ==
        "caps.jsonl:3: phrase span [30, 35) ends past the caption (24 characters)");
  CHECK(test::error_of([&] { text::caption_words("bad \xff byte"); }) == "caption is not valid UTF-8 at byte 4: bad \xff byte");
}
