// Scoring two-way trials with a two-tower model.
#include "vgs/train/trial_scoring.h"

#include <torch/torch.h>

#include <map>
#include <set>

namespace vgs::train {

namespace {
// Embeds `ids` in chunks; returns id -> row of the [N, E] result.
std::pair<at::Tensor, std::map<std::string, int64_t>> embed_all(const std::set<std::string>& ids, const FeatureBank& bank,
                                                                 bool audio, models::TwoTowerImpl& model,
                                                                 const c10::Device& device) {
  std::vector<std::string> list(ids.begin(), ids.end());
  std::vector<at::Tensor> parts;
  constexpr size_t kChunk = 256;
  for (size_t begin = 0; begin < list.size(); begin += kChunk) {
    std::vector<std::string> chunk(list.begin() + begin, list.begin() + std::min(list.size(), begin + kChunk));
    auto [features, lengths] = bank.collate(chunk);
    features = features.to(device);
    lengths = lengths.to(device);
    parts.push_back(audio ? model.embed_audio(features, lengths) : model.embed_image(features, lengths));
  }
  std::map<std::string, int64_t> row;
  for (size_t i = 0; i < list.size(); ++i) row[list[i]] = static_cast<int64_t>(i);
  return {torch::cat(parts), row};
}
}  // namespace

TrialScore score_trials(models::TwoTowerImpl& model, const std::vector<data::Trial>& trials, const FeatureBank& audio,
                        const FeatureBank& images, const std::string& name, const c10::Device& device) {
  TrialScore score{name};
  if (trials.empty()) return score;
  torch::NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  std::set<std::string> audio_ids, image_ids;
  for (const auto& t : trials) {
    audio_ids.insert(t.audio);
    image_ids.insert(t.positive);
    image_ids.insert(t.negative);
  }
  auto [audio_embeddings, audio_row] = embed_all(audio_ids, audio, true, model, device);
  auto [image_embeddings, image_row] = embed_all(image_ids, images, false, model, device);
  std::vector<int64_t> a, p, n;
  for (const auto& t : trials) {
    a.push_back(audio_row.at(t.audio));
    p.push_back(image_row.at(t.positive));
    n.push_back(image_row.at(t.negative));
  }
  auto index = [&](const std::vector<int64_t>& v) { return torch::tensor(v, at::kLong).to(device); };
  at::Tensor anchors = audio_embeddings.index_select(0, index(a));
  at::Tensor positive = (anchors * image_embeddings.index_select(0, index(p))).sum(1);
  at::Tensor negative = (anchors * image_embeddings.index_select(0, index(n))).sum(1);
  score.trials = static_cast<int64_t>(trials.size());
  score.correct = (positive > negative).sum().item<int64_t>();
  if (was_training) model.train();
  return score;
}

}  // namespace vgs::train
