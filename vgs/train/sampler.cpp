// The me-vgs paired sampler (counter-based, resumable by construction).
#include "vgs/train/sampler.h"

#include <algorithm>
#include <random>

#include "vgs/core/error.h"
#include "vgs/core/random.h"

namespace vgs::train {

PairedSampler::PairedSampler(const std::vector<data::AudioItem>& audio, const std::vector<data::ImageItem>& images,
                             NegativeDraw negatives, uint64_t seed)
    : negatives_(negatives), seed_(seed) {
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

int64_t PairedSampler::steps_per_epoch(int64_t batch_size) const { return (items() + batch_size - 1) / batch_size; }

std::vector<int64_t> PairedSampler::epoch_order(int64_t epoch) const {
  std::vector<int64_t> order(anchors_.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int64_t>(i);
  std::mt19937_64 rng(core::mix_seed({seed_, 1, static_cast<uint64_t>(epoch)}));
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[core::uniform_index(rng, i)]);  // Fisher-Yates
  return order;
}

const std::string& PairedSampler::random_image(const std::string& word, std::mt19937_64& rng) const {
  const auto& ids = images_by_word_.at(word);
  return ids[core::uniform_index(rng, ids.size())];
}

const std::string& PairedSampler::random_audio(const std::string& word, std::mt19937_64& rng) const {
  const auto& ids = audio_by_word_.at(word);
  return ids[core::uniform_index(rng, ids.size())];
}

std::string PairedSampler::other_word(const std::string& word, std::mt19937_64& rng) const {
  // Uniform over the words other than `word`: draw among n - 1 and skip over it.
  size_t self = static_cast<size_t>(std::lower_bound(words_.begin(), words_.end(), word) - words_.begin());
  size_t k = core::uniform_index(rng, words_.size() - 1);
  return words_[k >= self ? k + 1 : k];
}

TrainBatch PairedSampler::batch(int64_t epoch, int64_t step, int64_t batch_size) const {
  return draw(negatives_.kind, epoch, step, batch_size);
}

TrainBatch PairedSampler::draw(NegativeDraw::Kind kind, int64_t epoch, int64_t step, int64_t batch_size) const {
  const std::vector<int64_t> order = epoch_order(epoch);
  const int64_t begin = step * batch_size, end = std::min<int64_t>(items(), begin + batch_size);
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

}  // namespace vgs::train
