// Training batches for the two-tower model, with the me-vgs sampling: one epoch is one pass over
// every training audio item (all languages), in a seeded random order; each item's positive is a
// random training image of its word; negatives are words other than the item's, drawn uniformly
// with replacement, then a random audio and (independently) a random image of each. The language-links
// sampler (me-vgs TripletMEDataset) adds a second audio per row: the same word in the other language.
//
// Counter-based: batch (epoch, step) is a pure function of the seed, so a run resumed mid-epoch
// draws exactly what the uninterrupted run would have, with no sampler state to save, and ranks of
// a data-parallel run can take disjoint slices of the same batch.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "vgs/core/choices.h"
#include "vgs/data/manifest.h"

namespace vgs::train {

// How often an epoch lists each training audio (train.resample, me-vgs's `resample`): once, or twice
// ("double": the monolingual 2x controls, which get as many steps as a bilingual model). Both copies
// are shuffled independently into the epoch order.
enum class EpochResample { single, twice };
const core::Choices<EpochResample>& epoch_resamples();

// Which negatives a batch carries (the loss asks for them: losses::InfoNCE::mode).
//   none:  one audio and one image per item (in-batch negatives);
//   own:   each item draws K negative audios and K negative images of its own (me-vgs);
//   batch: each item names K other items of the batch, of other words, as its negatives.
struct NegativeDraw {
  enum class Kind { none, own, batch };
  Kind kind = Kind::own;
  int64_t per_item = 11;
};

// What one step embeds. With own negatives, rows i*(1+K) .. i*(1+K)+K of audio_ids and image_ids are
// item i's (anchor, positive) then its K negative audios and K negative images (own_negatives = K).
// Otherwise one audio and one image per item; with batch negatives, negative_items lists K other
// items of the batch per item whose audio and image serve as its negatives.
struct TrainBatch {
  std::vector<std::string> audio_ids;
  std::vector<std::string> image_ids;
  std::vector<std::string> words;                      // per item
  int64_t own_negatives = 0;                           // K when each item carries its own negatives
  std::vector<std::vector<int64_t>> negative_audios;   // batch negatives: [B][K] item indices
  std::vector<std::vector<int64_t>> negative_images;   // batch negatives: [B][K] item indices
};

class PairedSampler {
 public:
  // Words are the labels of the audio items that also have training images; an audio item whose
  // word has no image is an error naming it (the recipe pairs the wrong manifests).
  PairedSampler(const std::vector<data::AudioItem>& audio, const std::vector<data::ImageItem>& images,
                NegativeDraw negatives, uint64_t seed, EpochResample resample = EpochResample::single);

  int64_t items() const { return static_cast<int64_t>(anchors_.size()); }  // training audio items
  int64_t epoch_length() const { return items() * copies_; }                // anchors an epoch lists
  int64_t steps_per_epoch(int64_t batch_size) const;  // the last partial batch is kept
  // A batch whose items draw no batch negatives (one word only) draws its own instead: there is
  // nothing to share.
  TrainBatch batch(int64_t epoch, int64_t step, int64_t batch_size) const;

 private:
  std::vector<int64_t> epoch_order(int64_t epoch) const;
  const std::string& random_image(const std::string& word, std::mt19937_64& rng) const;
  const std::string& random_audio(const std::string& word, std::mt19937_64& rng) const;
  std::string other_word(const std::string& word, std::mt19937_64& rng) const;
  TrainBatch draw(NegativeDraw::Kind kind, int64_t epoch, int64_t step, int64_t batch_size) const;
  bool draw_batch_negatives(TrainBatch& batch, int64_t epoch, int64_t begin) const;

  std::vector<std::pair<std::string, std::string>> anchors_;  // (audio id, word), sorted by id
  std::vector<std::string> words_;                              // sorted
  std::map<std::string, std::vector<std::string>> audio_by_word_, images_by_word_;
  NegativeDraw negatives_;
  uint64_t seed_;
  int64_t copies_;  // of each anchor per epoch (train.resample)
};

// What one language-links step embeds (me-vgs TripletMEDataset): rows i*(1+K) .. i*(1+K)+K of each
// list are item i's: index 0 its positive triplet (anchor audio, the same word in the other language,
// an image of the word), then K negatives. The three negative lists draw their words independently.
struct TripletBatch {
  std::vector<std::string> audio1_ids;  // the anchor's language (lang1)
  std::vector<std::string> audio2_ids;  // the other training language (lang2)
  std::vector<std::string> image_ids;
  std::vector<std::string> words;       // per item
  int64_t negatives_per_item = 0;       // K
};

// Triplets for the language-links model over the two training languages. An epoch is one pass (two
// with EpochResample::twice) over every training audio of both languages, like PairedSampler's; item
// i's lang1 is its anchor's language and lang2 the other. Audio2 positive: a random training audio of
// the word in lang2; image positive: a random image of the word; negatives: words other than the
// item's, uniform with replacement, drawn separately for the images, the lang1 audios and the lang2
// audios. Counter-based like PairedSampler.
class TripletSampler {
 public:
  // vgs::Error unless `languages` are two different languages and every word of the training audio
  // has audio in both and at least one image.
  TripletSampler(const std::vector<data::AudioItem>& audio, const std::vector<data::ImageItem>& images,
                 const std::vector<std::string>& languages, int64_t negatives_per_item, uint64_t seed,
                 EpochResample resample = EpochResample::single);

  int64_t items() const { return static_cast<int64_t>(anchors_.size()); }
  int64_t epoch_length() const { return items() * copies_; }
  int64_t steps_per_epoch(int64_t batch_size) const;
  TripletBatch batch(int64_t epoch, int64_t step, int64_t batch_size) const;

 private:
  struct Anchor {
    std::string id, word, language;
    bool operator<(const Anchor& other) const { return id < other.id; }
  };
  const std::vector<std::string>& audio_of(const std::string& language, const std::string& word) const;
  void draw_item(const Anchor& anchor, std::mt19937_64& rng, TripletBatch& batch) const;

  std::vector<Anchor> anchors_;   // sorted by id
  std::vector<std::string> words_;  // sorted
  std::map<std::string, std::vector<std::string>> images_by_word_;
  std::map<std::string, std::map<std::string, std::vector<std::string>>> audio_by_language_;  // language -> word -> ids
  std::vector<std::string> languages_;
  int64_t negatives_per_item_;
  uint64_t seed_;
  int64_t copies_;
};

}  // namespace vgs::train
