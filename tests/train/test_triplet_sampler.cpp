// Tests of the language-links (triplet) sampler and of 2x epochs: the triplets' draws (the other
// language, the same word, negatives of other words in each list's language), determinism, the
// refusals, and EpochResample::twice (twice the steps, each anchor exactly twice).
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "vgs/core/error.h"
#include "vgs/train/sampler.h"

using namespace vgs;
using train::EpochResample;
using train::NegativeDraw;
using train::PairedSampler;
using train::TripletSampler;

namespace {

// Ids "<lang>_<word>_<i>": 3 words, 4 audio each in en and fr, 3 images each.
std::vector<data::AudioItem> audio(const std::vector<std::string>& languages = {"en", "fr"}) {
  std::vector<data::AudioItem> items;
  for (std::string word : {"dog", "cat", "cow"})
    for (const std::string& lang : languages)
      for (int i = 0; i < 4; ++i) {
        data::AudioItem a;
        a.id = lang + "_" + word + "_" + std::to_string(i);
        a.path = "/x.wav";
        a.lang = lang;
        a.label = word;
        items.push_back(a);
      }
  return items;
}
std::vector<data::ImageItem> images() {
  std::vector<data::ImageItem> items;
  for (std::string word : {"dog", "cat", "cow"})
    for (int i = 0; i < 3; ++i) items.push_back({"img_" + word + "_" + std::to_string(i), "/x.png", word, "toy", 0});
  return items;
}
std::string word_of(const std::string& id) { return id.substr(id.find('_') + 1, 3); }
std::string lang_of(const std::string& id) { return id.substr(0, 2); }

}  // namespace

TEST_CASE("triplets pair the anchor with its word in the other language and negatives in each list's language") {
  const int64_t K = 5;
  TripletSampler sampler(audio(), images(), {"en", "fr"}, K, 7);
  CHECK(sampler.items() == 24);
  REQUIRE(sampler.steps_per_epoch(10) == 3);
  std::multiset<std::string> anchors;
  std::set<std::string> negative_words;
  for (int64_t step = 0; step < 3; ++step) {
    auto batch = sampler.batch(1, step, 10);
    const size_t items = batch.words.size(), rows = 1 + K;
    REQUIRE(batch.audio1_ids.size() == items * rows);
    REQUIRE(batch.audio2_ids.size() == items * rows);
    REQUIRE(batch.image_ids.size() == items * rows);
    for (size_t i = 0; i < items; ++i) {
      const std::string& word = batch.words[i];
      const std::string& anchor = batch.audio1_ids[i * rows];
      const std::string lang1 = lang_of(anchor), lang2 = lang1 == "en" ? "fr" : "en";
      anchors.insert(anchor);
      CHECK(word_of(anchor) == word);
      CHECK(word_of(batch.audio2_ids[i * rows]) == word);
      CHECK(lang_of(batch.audio2_ids[i * rows]) == lang2);
      CHECK(word_of(batch.image_ids[i * rows]) == word);
      for (size_t k = 1; k < rows; ++k) {
        const std::string &a1 = batch.audio1_ids[i * rows + k], &a2 = batch.audio2_ids[i * rows + k];
        CHECK(word_of(a1) != word);
        CHECK(lang_of(a1) == lang1);
        CHECK(word_of(a2) != word);
        CHECK(lang_of(a2) == lang2);
        CHECK(word_of(batch.image_ids[i * rows + k]) != word);
        negative_words.insert(word_of(a1));
      }
    }
  }
  // The epoch lists every audio of both languages once, and negatives reach every other word.
  CHECK(anchors.size() == 24);
  CHECK(std::set<std::string>(anchors.begin(), anchors.end()).size() == 24);
  CHECK(negative_words.size() == 3);
}

TEST_CASE("the three negative lists of a triplet draw their words independently") {
  TripletSampler sampler(audio(), images(), {"en", "fr"}, 11, 3);
  auto batch = sampler.batch(0, 0, 24);
  int differ12 = 0, differ_image = 0;
  for (size_t i = 0; i < 24; ++i)
    for (size_t k = 1; k < 12; ++k) {
      differ12 += word_of(batch.audio1_ids[i * 12 + k]) != word_of(batch.audio2_ids[i * 12 + k]);
      differ_image += word_of(batch.audio1_ids[i * 12 + k]) != word_of(batch.image_ids[i * 12 + k]);
    }
  // With two other words to choose from, about half the slots differ (264 slots each).
  CHECK(differ12 > 80);
  CHECK(differ_image > 80);
}

TEST_CASE("triplet batches depend only on seed epoch and position") {
  TripletSampler a(audio(), images(), {"en", "fr"}, 4, 9), b(audio(), images(), {"fr", "en"}, 4, 9);
  auto whole = a.batch(2, 0, 8), half = a.batch(2, 1, 4);
  CHECK(std::vector<std::string>(whole.audio2_ids.begin() + 4 * 5, whole.audio2_ids.end()) == half.audio2_ids);
  CHECK(std::vector<std::string>(whole.image_ids.begin() + 4 * 5, whole.image_ids.end()) == half.image_ids);
  // The order the languages are listed in does not matter, nor the manifest order.
  auto reversed = audio();
  std::reverse(reversed.begin(), reversed.end());
  TripletSampler c(reversed, images(), {"en", "fr"}, 4, 9);
  CHECK(b.batch(2, 0, 8).audio2_ids == whole.audio2_ids);
  CHECK(c.batch(2, 0, 8).audio1_ids == whole.audio1_ids);
  CHECK(a.batch(3, 0, 8).audio1_ids != whole.audio1_ids);
}

TEST_CASE("the triplet sampler refuses other than two languages and words missing from one") {
  CHECK_THROWS_WITH(TripletSampler(audio({"en"}), images(), {"en"}, 4, 0),
                    "language links need two different training languages (splits.languages), got 1: en");
  auto partial = audio();
  partial.erase(std::remove_if(partial.begin(), partial.end(), [](const data::AudioItem& a) { return a.id.rfind("fr_cow", 0) == 0; }),
                partial.end());
  CHECK_THROWS_WITH(TripletSampler(partial, images(), {"en", "fr"}, 4, 0),
                    "language links: the training word 'cow' has no audio in 'fr' (every word needs training audio in "
                    "both languages)");
}

TEST_CASE("resample double lists every anchor twice per epoch, each copy shuffled on its own") {
  const NegativeDraw own{NegativeDraw::Kind::own, 3};
  PairedSampler single(audio({"en"}), images(), own, 4), twice(audio({"en"}), images(), own, 4, EpochResample::twice);
  CHECK(single.items() == 12);
  CHECK(twice.items() == 12);
  CHECK(twice.epoch_length() == 24);
  CHECK(single.steps_per_epoch(5) == 3);
  CHECK(twice.steps_per_epoch(5) == 5);
  for (int64_t epoch : {0, 1}) {
    std::map<std::string, int> seen;
    std::vector<std::string> order;
    for (int64_t step = 0; step < 5; ++step) {
      auto batch = twice.batch(epoch, step, 5);
      for (size_t i = 0; i < batch.words.size(); ++i) order.push_back(batch.audio_ids[i * 4]);
    }
    for (const auto& id : order) ++seen[id];
    CHECK(seen.size() == 12);
    for (const auto& [id, count] : seen) CHECK(count == 2);
    // Not the same shuffle twice over: the second half is not the first half again.
    CHECK(std::vector<std::string>(order.begin(), order.begin() + 12) != std::vector<std::string>(order.begin() + 12, order.end()));
  }
  // Deterministic, and single epochs are drawn as before (the default is single).
  PairedSampler twice_again(audio({"en"}), images(), own, 4, EpochResample::twice), plain(audio({"en"}), images(), own, 4);
  CHECK(twice_again.batch(1, 3, 5).image_ids == twice.batch(1, 3, 5).image_ids);
  CHECK(plain.batch(1, 2, 5).audio_ids == single.batch(1, 2, 5).audio_ids);
  // The triplet sampler doubles the same way.
  TripletSampler triplets(audio(), images(), {"en", "fr"}, 3, 0, EpochResample::twice);
  CHECK(triplets.steps_per_epoch(8) == 6);
}
