// Tests of the phrase-alignment metrics on hand-computed cases: token groups from a hard assignment,
// word groups by majority vote (ties to the lower group), tIoU and F1 with one-to-one matching and
// unjudged groups, the equal-split and noun-chunk baselines.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <cmath>

#include "tests/support/temp_dir.h"
#include "vgs/metrics/phrase_alignment.h"

using namespace vgs;
using metrics::WordGroups;

TEST_CASE("token groups come from the one-hot columns of a hard assignment") {
  // K = 2, L = 4: token 0 in group 1, token 1 in group 0, token 2 (padding) in none, token 3 in group 1.
  at::Tensor hard = torch::tensor({0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0}).view({1, 2, 4});
  CHECK(metrics::token_groups(hard) == std::vector<std::vector<int64_t>>{{1, 0, -1, 1}});
  CHECK(test::error_of([] { metrics::token_groups(torch::zeros({2, 4})); }) ==
        "phrase alignment: the hard assignment must be [B, K, L], got [2, 4]");
}

TEST_CASE("a word takes the group most of its tokens fall in, the lower one on a tie") {
  // SOT, "a", "red", "do" "g" (word 2), EOT, padding.
  const std::vector<int64_t> token_words{-1, 0, 1, 2, 2, -1, -1};
  CHECK(metrics::word_groups({0, 1, 1, 2, 1, 0, -1}, token_words, 3) == WordGroups{1, 1, 1});  // tie 2 vs 1 -> 1
  CHECK(metrics::word_groups({0, 1, 0, 2, 2, 0, -1}, token_words, 3) == WordGroups{1, 0, 2});
  // A word split in three tokens: two votes for group 2 beat one for group 0.
  CHECK(metrics::word_groups({2, 0, 2}, {0, 0, 0}, 1) == WordGroups{2});
  CHECK(metrics::word_groups({-1, 1}, {0, 1}, 3) == WordGroups{-1, 1, -1});  // no grouped token: -1
  CHECK(test::error_of([] { metrics::word_groups({0, 1}, {0, 3}, 3); }) ==
        "phrase alignment: token 1 names word 3 of a caption of 3 words");
  CHECK(test::error_of([] { metrics::word_groups({0}, {0, 1}, 3); }) == "phrase alignment: 1 token groups for 2 token words");
}

TEST_CASE("tIoU and F1 on a hand-computed caption") {
  // a(0) man(1) in(2) a(3) red(4) shirt(5) rides(6) a(7) bike(8); gold: a man / a red shirt / a bike.
  const metrics::Phrases gold{{0, 1}, {3, 4, 5}, {7, 8}};
  // Groups {a man in} {a red} {shirt} {rides} {a bike}.
  const WordGroups groups{0, 0, 0, 1, 1, 2, 3, 4, 4};
  metrics::PhraseAlignment a = metrics::align_phrases(groups, gold);
  // Best IoUs 2/3, 2/3 (vs {a red}; {shirt} gives 1/3), 1: tIoU 7/9.
  CHECK(a.phrases == 3);
  CHECK(a.tiou() == Approx(7.0 / 9.0));
  CHECK(a.groups == 4);           // {rides} shares no word with a gold phrase: not judged
  CHECK(a.unjudged_groups == 1);
  CHECK(a.matches == 3);          // each phrase with its IoU >= 0.5 group
  CHECK(a.precision() == Approx(0.75));
  CHECK(a.recall() == 1.0);
  CHECK(a.f1() == Approx(6.0 / 7.0));

  // Two groups at IoU 0.5 with one phrase: matched once (the first group), the other is a false positive.
  metrics::PhraseAlignment half = metrics::align_phrases({0, 1}, {{0, 1}});
  CHECK(half.tiou() == 0.5);
  CHECK(half.matches == 1);
  CHECK(half.precision() == 0.5);
  CHECK(half.f1() == Approx(2.0 / 3.0));

  // Over a corpus the counts add up: micro-averages over all phrases and groups.
  a.add(half);
  CHECK(a.tiou() == Approx((7.0 / 3.0 + 0.5) / 4.0));
  CHECK(a.precision() == Approx(4.0 / 6.0));
  CHECK(a.recall() == 1.0);

  // Nothing grouped: IoU 0, no judged group (precision undefined), recall 0.
  metrics::PhraseAlignment none = metrics::align_phrases({-1, 0, 0}, {{0}});
  CHECK(none.tiou() == 0.0);
  CHECK(none.unjudged_groups == 1);
  CHECK(std::isnan(none.precision()));
  CHECK(none.recall() == 0.0);
  CHECK(std::isnan(none.f1()));
  CHECK(test::error_of([] { metrics::align_phrases({0, 0}, {{0, 2}}); }) ==
        "phrase alignment: phrase 0 must be distinct word indices in 0..1, got 2 indices 0..2");
  CHECK(test::error_of([] { metrics::align_phrases({0, 0}, {{1, 1}}); }) ==
        "phrase alignment: phrase 0 must be distinct word indices in 0..1, got 2 indices 1..1");
}

TEST_CASE("the equal-split baseline cuts the words into K contiguous near-equal chunks") {
  CHECK(metrics::equal_split_groups(5, 2) == WordGroups{0, 0, 0, 1, 1});
  CHECK(metrics::equal_split_groups(4, 3) == WordGroups{0, 0, 1, 2});
  CHECK(metrics::equal_split_groups(9, 4) == WordGroups{0, 0, 0, 1, 1, 2, 2, 3, 3});
  CHECK(metrics::equal_split_groups(2, 4) == WordGroups{0, 2});  // fewer words than groups
  CHECK(metrics::equal_split_groups(0, 4).empty());
  CHECK(test::error_of([] { metrics::equal_split_groups(3, 0); }) ==
        "phrase alignment: the equal split needs at least one group, got 0");
}

TEST_CASE("the noun-chunk baseline splits at closed-class words") {
  auto chunks = [](const std::vector<std::string>& words) { return metrics::noun_chunk_groups(words); };
  CHECK(chunks({"A", "man", "in", "a", "red", "shirt", "is", "riding", "a", "bike", "."}) ==
        WordGroups{0, 0, 1, 2, 2, 2, 3, 3, 4, 4, 5});
  CHECK(chunks({"the", "two", "dogs"}) == WordGroups{0, 0, 0});
  CHECK(chunks({"two", "dogs", "and", "a", "cat"}) == WordGroups{0, 0, 1, 2, 2});
  CHECK(chunks({"man", "a", "dog"}) == WordGroups{0, 1, 1});
  CHECK(chunks({"dogs", "playing", "next", "to", "water"}) == WordGroups{0, 1, 1, 1, 2});
  CHECK(chunks({}).empty());
  // Against the gold phrases of the first caption: every phrase found, the two boundary runs unjudged.
  metrics::PhraseAlignment a = metrics::align_phrases(
      chunks({"a", "man", "in", "a", "red", "shirt", "is", "riding", "a", "bike"}), {{0, 1}, {3, 4, 5}, {8, 9}});
  CHECK(a.tiou() == 1.0);
  CHECK(a.f1() == 1.0);
  CHECK(a.unjudged_groups == 2);
}
