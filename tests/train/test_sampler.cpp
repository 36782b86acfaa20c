// Tests of the me-vgs paired sampler: epoch coverage, positives and negatives, determinism and
// independence from the batch size (what makes mid-epoch resumption exact).
#include <catch2/catch.hpp>

#include <set>

#include "vgs/core/error.h"
#include "vgs/train/sampler.h"

using namespace vgs;
using train::NegativeDraw;
using train::PairedSampler;

namespace {
std::vector<data::AudioItem> audio() {
  std::vector<data::AudioItem> items;
  for (std::string word : {"dog", "cat", "cow"})
    for (std::string lang : {"en", "fr"})
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
}  // namespace

TEST_CASE("an epoch visits every training audio once") {
  PairedSampler sampler(audio(), images(), {NegativeDraw::Kind::none, 11}, 0);
  CHECK(sampler.items() == 24);
  CHECK(sampler.steps_per_epoch(10) == 3);
  std::multiset<std::string> seen;
  for (int64_t step = 0; step < 3; ++step)
    for (const auto& id : sampler.batch(0, step, 10).audio_ids) seen.insert(id);
  CHECK(seen.size() == 24);
  CHECK(std::set<std::string>(seen.begin(), seen.end()).size() == 24);
}

TEST_CASE("sampled batches pair the anchor with its word and negatives with other words") {
  PairedSampler sampler(audio(), images(), {NegativeDraw::Kind::own, 11}, 5);
  auto batch = sampler.batch(2, 1, 4);
  REQUIRE(batch.words.size() == 4);
  REQUIRE(batch.audio_ids.size() == 4 * 12);
  REQUIRE(batch.image_ids.size() == 4 * 12);
  for (size_t i = 0; i < 4; ++i) {
    const std::string& word = batch.words[i];
    CHECK(word_of(batch.audio_ids[i * 12]) == word);
    CHECK(word_of(batch.image_ids[i * 12]) == word);
    for (size_t k = 1; k < 12; ++k) {
      CHECK(word_of(batch.audio_ids[i * 12 + k]) != word);
      CHECK(word_of(batch.image_ids[i * 12 + k]) != word);
    }
  }
}

TEST_CASE("batches depend only on seed epoch and position") {
  const NegativeDraw own{NegativeDraw::Kind::own, 11};
  PairedSampler a(audio(), images(), own, 9), b(audio(), images(), own, 9), c(audio(), images(), own, 10);
  auto x = a.batch(3, 0, 8);
  CHECK(x.audio_ids == b.batch(3, 0, 8).audio_ids);
  CHECK(x.image_ids == b.batch(3, 0, 8).image_ids);
  CHECK(x.audio_ids != c.batch(3, 0, 8).audio_ids);
  CHECK(x.audio_ids != a.batch(4, 0, 8).audio_ids);
  // Items 4..7 of the epoch draw the same pairs in batches of 4 as in batches of 8.
  auto halves = a.batch(3, 1, 4);
  CHECK(std::vector<std::string>(x.audio_ids.begin() + 48, x.audio_ids.end()) == halves.audio_ids);
  // Manifest order does not matter.
  auto reversed_audio = audio();
  std::reverse(reversed_audio.begin(), reversed_audio.end());
  PairedSampler d(reversed_audio, images(), own, 9);
  CHECK(d.batch(3, 0, 8).image_ids == x.image_ids);
}

TEST_CASE("shared negatives point at batch items of other words") {
  PairedSampler sampler(audio(), images(), {NegativeDraw::Kind::batch, 5}, 1);
  auto batch = sampler.batch(0, 0, 12);
  REQUIRE(batch.audio_ids.size() == 12);
  REQUIRE(batch.negative_images.size() == 12);
  for (size_t i = 0; i < 12; ++i) {
    REQUIRE(batch.negative_images[i].size() == 5);
    for (int64_t j : batch.negative_images[i]) CHECK(batch.words[static_cast<size_t>(j)] != batch.words[i]);
    for (int64_t j : batch.negative_audios[i]) CHECK(batch.words[static_cast<size_t>(j)] != batch.words[i]);
  }
}

TEST_CASE("the sampler refuses audio of words without images") {
  auto few_images = images();
  few_images.pop_back();
  few_images.pop_back();
  few_images.pop_back();  // no cow images left
  CHECK_THROWS_WITH(PairedSampler(audio(), few_images, NegativeDraw{}, 0), Catch::Contains("the word 'cow', which no training image shows"));
}

TEST_CASE("a shared-negative batch of a single word is drawn as a sampled batch instead") {
  PairedSampler sampler(audio(), images(), {NegativeDraw::Kind::batch, 4}, 0);
  PairedSampler own(audio(), images(), {NegativeDraw::Kind::own, 4}, 0);
  // 24 items in batches of 23: the last batch holds one item, so one word and nothing to share.
  REQUIRE(sampler.steps_per_epoch(23) == 2);
  auto full = sampler.batch(0, 0, 23);
  CHECK(full.own_negatives == 0);
  CHECK(full.negative_images.size() == full.words.size());
  auto last = sampler.batch(0, 1, 23);
  CHECK(last.own_negatives == 4);
  CHECK(last.negative_images.empty());
  REQUIRE(last.audio_ids.size() == 1 + 4);
  CHECK(last.negative_images.empty());
  for (size_t k = 1; k < last.image_ids.size(); ++k) CHECK(word_of(last.image_ids[k]) != last.words[0]);
  // The same draw as a sampled batch at that position.
  CHECK(last.image_ids == own.batch(0, 1, 23).image_ids);
}
