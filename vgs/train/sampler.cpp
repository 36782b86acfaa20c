// The me-vgs paired and language-links (triplet) samplers (counter-based, resumable by construction).
#include "vgs/train/sampler.h"

#include <algorithm>
#include <random>
#include <set>

#include "vgs/core/error.h"
#include "vgs/core/random.h"
#include "vgs/core/strings.h"

namespace vgs::train {

const core::Choices<EpochResample>& epoch_resamples() {
  static const core::Choices<EpochResample> choices{{EpochResample::single, "single"}, {EpochResample::twice, "double"}};
  return choices;
}

namespace {

int64_t copies_of(EpochResample resample) { return resample == EpochResample::twice ? 2 : 1; }

// Indices 0..anchors-1, each listed `copies` times, in the seeded order of `epoch`. With one copy this
// is the order PairedSampler has always drawn, so single-resample runs are unchanged.
std::vector<int64_t> shuffled_epoch(size_t anchors, int64_t copies, uint64_t seed, int64_t epoch) {
  std::vector<int64_t> order(anchors * static_cast<size_t>(copies));
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int64_t>(i % anchors);
  std::mt19937_64 rng(core::mix_seed({seed, 1, static_cast<uint64_t>(epoch)}));
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[core::uniform_index(rng, i)]);  // Fisher-Yates
  return order;
}

const std::string& pick(const std::vector<std::string>& ids, std::mt19937_64& rng) {
  return ids[core::uniform_index(rng, ids.size())];
}

// Uniform over the sorted `words` other than `word`: draw among n - 1 and skip over it.
const std::string& other_word_among(const std::vector<std::string>& words, const std::string& word, std::mt19937_64& rng) {
  size_t self = static_cast<size_t>(std::lower_bound(words.begin(), words.end(), word) - words.begin());
  size_t k = core::uniform_index(rng, words.size() - 1);
  return words[k >= self ? k + 1 : k];
}

}  // namespace

PairedSampler::PairedSampler(const std::vector<data::AudioItem>& audio, const std::vector<data::ImageItem>& images,
                             NegativeDraw negatives, uint64_t seed, EpochResample resample)
    : negatives_(negatives), seed_(seed), copies_(copies_of(resample)) {
  for (const auto& image : images) images_by_word_[image.label].push_back(image.id);
  for (const auto& item : audio) {
    if (!images_by_word_.count(item.label))
      throw Error("training audio '" + item.id + "' is the word '" + item.label +
                  "', which no training image shows (are the audio and image manifests of the same data?)");
    anchors_.emplace_back(item.id, item.label);
    audio_by_word_[item.label].push_back(item.id);
  }
  if (anchors_.empty()) throw Error("no training audio items");
  // Sorted, so that manifest order does not change what is drawn.
  std::sort(anchors_.begin(), anchors_.end());
  for (auto& [word, ids] : audio_by_word_) {
    std::sort(ids.begin(), ids.end());
    words_.push_back(word);
  }
  for (auto& [word, ids] : images_by_word_) std::sort(ids.begin(), ids.end());
  if (words_.size() < 2) throw Error("training needs at least two words to draw negatives from");
  if (negatives_.kind != NegativeDraw::Kind::none && negatives_.per_item < 1)
    throw Error("loss.negatives_per_item must be at least 1");
}

int64_t PairedSampler::steps_per_epoch(int64_t batch_size) const { return (epoch_length() + batch_size - 1) / batch_size; }

std::vector<int64_t> PairedSampler::epoch_order(int64_t epoch) const {
  return shuffled_epoch(anchors_.size(), copies_, seed_, epoch);
}

const std::string& PairedSampler::random_image(const std::string& word, std::mt19937_64& rng) const {
  return pick(images_by_word_.at(word), rng);
}

const std::string& PairedSampler::random_audio(const std::string& word, std::mt19937_64& rng) const {
  return pick(audio_by_word_.at(word), rng);
}

std::string PairedSampler::other_word(const std::string& word, std::mt19937_64& rng) const {
  return other_word_among(words_, word, rng);
}

TrainBatch PairedSampler::batch(int64_t epoch, int64_t step, int64_t batch_size) const {
  return draw(negatives_.kind, epoch, step, batch_size);
}

TrainBatch PairedSampler::draw(NegativeDraw::Kind kind, int64_t epoch, int64_t step, int64_t batch_size) const {
  const std::vector<int64_t> order = epoch_order(epoch);
  const int64_t begin = step * batch_size, end = std::min<int64_t>(epoch_length(), begin + batch_size);
  if (begin >= end) throw std::logic_error("sampler: step past the end of the epoch");
  TrainBatch batch;
  const int64_t k = negatives_.per_item;
  if (kind == NegativeDraw::Kind::own) batch.own_negatives = k;
  for (int64_t position = begin; position < end; ++position) {
    const auto& [audio_id, word] = anchors_[static_cast<size_t>(order[static_cast<size_t>(position)])];
    // One stream per (epoch, position): the same item draws the same pairs whatever the batch size.
    std::mt19937_64 rng(core::mix_seed({seed_, 2, static_cast<uint64_t>(epoch), static_cast<uint64_t>(position)}));
    batch.words.push_back(word);
    batch.audio_ids.push_back(audio_id);
    batch.image_ids.push_back(random_image(word, rng));
    if (kind != NegativeDraw::Kind::own) continue;
    // Negative images and negative audios are drawn independently, so negative k of each is
    // usually of a different word (as in me-vgs).
    for (int64_t n = 0; n < k; ++n) batch.image_ids.push_back(random_image(other_word(word, rng), rng));
    for (int64_t n = 0; n < k; ++n) batch.audio_ids.push_back(random_audio(other_word(word, rng), rng));
  }
  if (kind == NegativeDraw::Kind::batch && !draw_batch_negatives(batch, epoch, begin))
    return draw(NegativeDraw::Kind::own, epoch, step, batch_size);  // a single word: nothing to share
  return batch;
}

// Items of the batch grouped by word; a negative picks another word present in the batch uniformly,
// then one of its items, as me-vgs picks a word, then a sample. False when the batch holds one word.
bool PairedSampler::draw_batch_negatives(TrainBatch& batch, int64_t epoch, int64_t begin) const {
  std::map<std::string, std::vector<int64_t>> items_by_word;
  for (size_t j = 0; j < batch.words.size(); ++j) items_by_word[batch.words[j]].push_back(static_cast<int64_t>(j));
  std::vector<std::string> present;
  for (const auto& entry : items_by_word) present.push_back(entry.first);
  if (present.size() < 2) return false;
  for (size_t i = 0; i < batch.words.size(); ++i) {
    std::mt19937_64 rng(core::mix_seed({seed_, 3, static_cast<uint64_t>(epoch), static_cast<uint64_t>(begin) + i}));
    const size_t self = static_cast<size_t>(std::find(present.begin(), present.end(), batch.words[i]) - present.begin());
    auto pick = [&] {
      size_t k = core::uniform_index(rng, present.size() - 1);
      const auto& candidates = items_by_word[present[k >= self ? k + 1 : k]];
      return candidates[core::uniform_index(rng, candidates.size())];
    };
    std::vector<int64_t> images, audios;
    for (int64_t k = 0; k < negatives_.per_item; ++k) images.push_back(pick());
    for (int64_t k = 0; k < negatives_.per_item; ++k) audios.push_back(pick());
    batch.negative_images.push_back(std::move(images));
    batch.negative_audios.push_back(std::move(audios));
  }
  return true;
}

// ---- language links -------------------------------------------------------------------------------

TripletSampler::TripletSampler(const std::vector<data::AudioItem>& audio, const std::vector<data::ImageItem>& images,
                               const std::vector<std::string>& languages, int64_t negatives_per_item, uint64_t seed,
                               EpochResample resample)
    : languages_(languages), negatives_per_item_(negatives_per_item), seed_(seed), copies_(copies_of(resample)) {
  if (languages_.size() != 2 || languages_[0] == languages_[1])
    throw Error("language links need two different training languages (splits.languages), got " +
                std::to_string(languages_.size()) + ": " + core::join(languages_, ", "));
  if (negatives_per_item_ < 1) throw Error("loss.negatives_per_item must be at least 1");
  for (const auto& image : images) images_by_word_[image.label].push_back(image.id);
  std::set<std::string> words;
  for (const auto& item : audio) {
    if (item.lang != languages_[0] && item.lang != languages_[1])
      throw Error("training audio '" + item.id + "' is in '" + item.lang + "', not one of the two linked languages " +
                  core::join(languages_, ", "));
    anchors_.push_back({item.id, item.label, item.lang});
    audio_by_language_[item.lang][item.label].push_back(item.id);
    words.insert(item.label);
  }
  if (anchors_.empty()) throw Error("no training audio items");
  words_.assign(words.begin(), words.end());
  if (words_.size() < 2) throw Error("training needs at least two words to draw negatives from");
  for (const auto& word : words_) {
    if (!images_by_word_.count(word))
      throw Error("the training word '" + word + "' has audio but no training image (are the audio and image "
                  "manifests of the same data?)");
    for (const auto& language : languages_)
      if (!audio_by_language_[language].count(word))
        throw Error("language links: the training word '" + word + "' has no audio in '" + language +
                    "' (every word needs training audio in both languages)");
  }
  // Sorted, so that manifest order does not change what is drawn.
  std::sort(anchors_.begin(), anchors_.end());
  for (auto& [language, by_word] : audio_by_language_)
    for (auto& [word, ids] : by_word) std::sort(ids.begin(), ids.end());
  for (auto& [word, ids] : images_by_word_) std::sort(ids.begin(), ids.end());
}

int64_t TripletSampler::steps_per_epoch(int64_t batch_size) const { return (epoch_length() + batch_size - 1) / batch_size; }

const std::vector<std::string>& TripletSampler::audio_of(const std::string& language, const std::string& word) const {
  return audio_by_language_.at(language).at(word);
}

// In me-vgs's order: the positive image, the negative images, the lang1 negatives, the lang2 positive,
// the lang2 negatives; each negative list calls sample_neg anew, so its words are drawn afresh.
void TripletSampler::draw_item(const Anchor& anchor, std::mt19937_64& rng, TripletBatch& batch) const {
  const std::string& lang2 = anchor.language == languages_[0] ? languages_[1] : languages_[0];
  const size_t first = batch.image_ids.size();
  const auto rows = static_cast<size_t>(1 + negatives_per_item_);
  batch.audio1_ids.resize(first + rows);
  batch.audio2_ids.resize(first + rows);
  batch.image_ids.resize(first + rows);
  batch.words.push_back(anchor.word);
  batch.audio1_ids[first] = anchor.id;
  batch.image_ids[first] = pick(images_by_word_.at(anchor.word), rng);
  for (size_t k = 1; k < rows; ++k)
    batch.image_ids[first + k] = pick(images_by_word_.at(other_word_among(words_, anchor.word, rng)), rng);
  for (size_t k = 1; k < rows; ++k)
    batch.audio1_ids[first + k] = pick(audio_of(anchor.language, other_word_among(words_, anchor.word, rng)), rng);
  batch.audio2_ids[first] = pick(audio_of(lang2, anchor.word), rng);
  for (size_t k = 1; k < rows; ++k)
    batch.audio2_ids[first + k] = pick(audio_of(lang2, other_word_among(words_, anchor.word, rng)), rng);
}

TripletBatch TripletSampler::batch(int64_t epoch, int64_t step, int64_t batch_size) const {
  const std::vector<int64_t> order = shuffled_epoch(anchors_.size(), copies_, seed_, epoch);
  const int64_t begin = step * batch_size, end = std::min<int64_t>(epoch_length(), begin + batch_size);
  if (begin >= end) throw std::logic_error("sampler: step past the end of the epoch");
  TripletBatch batch;
  batch.negatives_per_item = negatives_per_item_;
  for (int64_t position = begin; position < end; ++position) {
    // One stream per (epoch, position), as PairedSampler's: the same item draws the same triplets
    // whatever the batch size (stream 4, so that they differ from the paired sampler's draws).
    std::mt19937_64 rng(core::mix_seed({seed_, 4, static_cast<uint64_t>(epoch), static_cast<uint64_t>(position)}));
    draw_item(anchors_[static_cast<size_t>(order[static_cast<size_t>(position)])], rng, batch);
  }
  return batch;
}

}  // namespace vgs::train
