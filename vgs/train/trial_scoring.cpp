// Embedding items and scoring two-way trials with a two-tower model.
#include "vgs/train/trial_scoring.h"

#include <torch/torch.h>

#include <map>
#include <set>

#include "vgs/metrics/two_way.h"

namespace vgs::train {

at::Tensor embed_items(models::TwoTowerImpl& model, const std::vector<std::string>& ids, const FeatureBank& bank,
                       bool audio, const c10::Device& device) {
  torch::NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  std::vector<at::Tensor> parts;
  constexpr size_t kChunk = 256;
  for (size_t begin = 0; begin < ids.size(); begin += kChunk) {
    std::vector<std::string> chunk(ids.begin() + begin, ids.begin() + std::min(ids.size(), begin + kChunk));
    auto [features, lengths] = bank.collate(chunk);
    features = features.to(device);
    lengths = lengths.to(device);
    parts.push_back((audio ? model.embed_audio(features, lengths) : model.embed_image(features, lengths)).cpu());
  }
  if (was_training) model.train();
  return parts.empty() ? at::empty({0, 0}) : torch::cat(parts);
}

namespace {
// The embeddings of a set of ids and each id's row in them.
std::pair<at::Tensor, std::map<std::string, int64_t>> embed_set(const std::set<std::string>& ids, const FeatureBank& bank,
                                                                bool audio, models::TwoTowerImpl& model,
                                                                const c10::Device& device) {
  std::vector<std::string> list(ids.begin(), ids.end());
  std::map<std::string, int64_t> row;
  for (size_t i = 0; i < list.size(); ++i) row[list[i]] = static_cast<int64_t>(i);
  return {embed_items(model, list, bank, audio, device), row};
}
}  // namespace

TrialScore score_trials(models::TwoTowerImpl& model, const std::vector<data::Trial>& trials, const FeatureBank& audio,
                        const FeatureBank& images, const std::string& name, const c10::Device& device) {
  TrialScore score{name};
  if (trials.empty()) return score;
  std::set<std::string> audio_ids, image_ids;
  for (const auto& t : trials) {
    audio_ids.insert(t.audio);
    image_ids.insert(t.positive);
    image_ids.insert(t.negative);
  }
  auto [audio_embeddings, audio_row] = embed_set(audio_ids, audio, true, model, device);
  auto [image_embeddings, image_row] = embed_set(image_ids, images, false, model, device);
  std::vector<int64_t> a, p, n;
  for (const auto& t : trials) {
    a.push_back(audio_row.at(t.audio));
    p.push_back(image_row.at(t.positive));
    n.push_back(image_row.at(t.negative));
  }
  auto rows = [](const at::Tensor& table, const std::vector<int64_t>& v) {
    return table.index_select(0, torch::tensor(v, at::kLong));
  };
  at::Tensor correct = metrics::two_way_correct(rows(audio_embeddings, a), rows(image_embeddings, p), rows(image_embeddings, n));
  score.trials = static_cast<int64_t>(trials.size());
  score.correct = correct.sum().item<int64_t>();
  return score;
}

}  // namespace vgs::train
