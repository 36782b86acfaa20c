// The measures of vgs-analyze (see measures.h); the arithmetic is in vgs/metrics.
#include "vgs/analysis/measures.h"

#include <torch/torch.h>

#include <map>
#include <set>

#include "vgs/core/error.h"
#include "vgs/data/json_lines.h"
#include "vgs/data/trials.h"
#include "vgs/metrics/cka.h"
#include "vgs/metrics/geometry.h"
#include "vgs/metrics/preference.h"
#include "vgs/metrics/rsa.h"
#include "vgs/metrics/separability.h"
#include "vgs/metrics/two_way.h"
#include "vgs/train/trial_scoring.h"

using json = nlohmann::json;

namespace vgs::analysis {

namespace {
json number(double x) { return std::isfinite(x) ? json(x) : json(nullptr); }  // JSON has no NaN

at::Tensor take(const at::Tensor& x, const std::vector<int64_t>& rows) { return x.index_select(0, torch::tensor(rows, torch::kInt64)); }

json correlation(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() < 3) return json{{"pearson", nullptr}, {"spearman", nullptr}, {"n", a.size()}};
  return json{{"pearson", number(metrics::pearson(a, b))}, {"spearman", number(metrics::spearman(a, b))}, {"n", a.size()}};
}
}  // namespace

json cka_between(const LayerStack& a, const LayerStack& b, const std::string& estimator) {
  const at::Tensor matrix = metrics::cka_matrix(a.layers, b.layers, estimator == "unbiased").to(torch::kFloat64).contiguous();
  json rows = json::array();
  for (int64_t i = 0; i < matrix.size(0); ++i) {
    json row = json::array();
    for (int64_t j = 0; j < matrix.size(1); ++j) row.push_back(number(matrix[i][j].item<double>()));
    rows.push_back(row);
  }
  return {{"estimator", estimator}, {"rows", a.layer_names}, {"columns", b.layer_names}, {"matrix", rows}};
}

json silhouette_by_layer(const LayerStack& stack, const ItemSample& items, const std::string& distance) {
  const auto d = distance == "euclidean" ? metrics::Distance::euclidean : metrics::Distance::cosine;
  json values = json::array();
  for (const at::Tensor& layer : stack.layers) values.push_back(number(metrics::silhouette(layer, items.words, d)));
  return {{"layers", stack.layer_names}, {"values", values}, {"distance", distance}};
}

json lda_by_layer(const LayerStack& stack, const ItemSample& items, int64_t resamples, uint64_t seed) {
  metrics::LdaOptions options;
  options.resamples = resamples;
  options.seed = seed;
  json accuracy = json::array(), low = json::array(), high = json::array();
  for (const at::Tensor& layer : stack.layers) {
    const metrics::LdaResult r = metrics::lda_leave_one_out(layer, items.words, options);
    accuracy.push_back(number(r.accuracy)), low.push_back(number(r.ci_low)), high.push_back(number(r.ci_high));
  }
  const std::set<std::string> words(items.words.begin(), items.words.end());
  return {{"layers", stack.layer_names}, {"accuracy", accuracy}, {"ci_low", low}, {"ci_high", high},
          {"chance", 1.0 / static_cast<double>(words.size())}};
}

namespace {
// Each ME trial's outcome grouped by its word: {word: {trials, correct}}.
std::map<std::string, std::pair<int64_t, int64_t>> me_outcomes(models::TwoTowerImpl& model, const train::TwoTowerOptions& run,
                                                               const train::SplitData& split, const c10::Device& device) {
  std::map<std::string, std::pair<int64_t, int64_t>> outcomes;
  for (const std::string& path : run.test.trials) {
    std::vector<data::Trial> trials;
    for (data::Trial& t : data::read_trials(path))
      if (t.test == "me") trials.push_back(std::move(t));
    train::drop_trials_of_left_out_items(trials, split);
    if (trials.empty()) continue;
    std::vector<std::string> audio, positives, negatives;
    for (const data::Trial& t : trials) audio.push_back(t.audio), positives.push_back(t.positive), negatives.push_back(t.negative);
    const at::Tensor correct = metrics::two_way_correct(train::embed_items(model, audio, *split.audio_features, true, device),
                                                        train::embed_items(model, positives, *split.image_features, false, device),
                                                        train::embed_items(model, negatives, *split.image_features, false, device));
    for (size_t i = 0; i < trials.size(); ++i) {
      auto& [count, right] = outcomes[trials[i].word];
      ++count;
      right += correct[static_cast<int64_t>(i)].item<bool>() ? 1 : 0;
    }
  }
  return outcomes;
}
}  // namespace

json me_words(models::TwoTowerImpl& model, const train::TwoTowerOptions& run, const train::SplitData& split,
              const ItemSample& audio, const ItemSample& images, const c10::Device& device) {
  const auto outcomes = me_outcomes(model, run, split, device);
  if (outcomes.empty()) throw Error("me_words: the run's test trial lists (splits.test_trials) hold no ME trial");
  const auto geometry = metrics::per_word_geometry(train::embed_items(model, audio.ids, *split.audio_features, true, device),
                                                   audio.words,
                                                   train::embed_items(model, images.ids, *split.image_features, false, device),
                                                   images.words);
  json words = json::object();
  std::vector<double> accuracy, distance, audio_spread, image_spread;
  for (const auto& [word, counts] : outcomes) {
    auto g = geometry.find(word);
    if (g == geometry.end()) continue;  // no sampled audio or image of it
    const double a = static_cast<double>(counts.second) / static_cast<double>(counts.first);
    words[word] = {{"accuracy", a}, {"trials", counts.first}, {"centroid_distance", g->second.centroid_distance},
                   {"audio_spread", g->second.audio_spread}, {"image_spread", g->second.image_spread}};
    accuracy.push_back(a), distance.push_back(g->second.centroid_distance);
    audio_spread.push_back(g->second.audio_spread), image_spread.push_back(g->second.image_spread);
  }
  return {{"words", words},
          {"accuracy_vs_centroid_distance", correlation(accuracy, distance)},
          {"accuracy_vs_audio_spread", correlation(accuracy, audio_spread)},
          {"accuracy_vs_image_spread", correlation(accuracy, image_spread)}};
}

namespace {
// The word centroids of one language's rows, in the order of `words`.
at::Tensor centroids(const at::Tensor& layer, const ItemSample& items, const std::string& language,
                     const std::vector<std::string>& words) {
  std::vector<at::Tensor> rows;
  for (const std::string& word : words) {
    std::vector<int64_t> mine;
    for (size_t i = 0; i < items.ids.size(); ++i)
      if (items.languages[i] == language && items.words[i] == word) mine.push_back(static_cast<int64_t>(i));
    rows.push_back(take(layer, mine).mean(0));
  }
  return torch::stack(rows);
}

std::vector<std::string> shared_words(const ItemSample& items, const std::string& a, const std::string& b) {
  std::map<std::string, std::set<std::string>> languages_of;
  for (size_t i = 0; i < items.ids.size(); ++i) languages_of[items.words[i]].insert(items.languages[i]);
  std::vector<std::string> words;
  for (const auto& [word, languages] : languages_of)
    if (languages.count(a) && languages.count(b)) words.push_back(word);
  return words;
}
}  // namespace

json cross_lingual(const std::vector<LayerStack>& stacks, const ItemSample& items) {
  const std::set<std::string> language_set(items.languages.begin(), items.languages.end());
  const std::vector<std::string> languages(language_set.begin(), language_set.end());
  json out = json::object();
  for (const LayerStack& stack : stacks) {
    json pairs = json::object();
    for (size_t i = 0; i < languages.size(); ++i)
      for (size_t j = i + 1; j < languages.size(); ++j) {
        const std::vector<std::string> words = shared_words(items, languages[i], languages[j]);
        if (words.size() < 3) continue;  // an RDM of fewer than 3 words has one pair or none
        const at::Tensor a = centroids(stack.layers.back(), items, languages[i], words);
        const at::Tensor b = centroids(stack.layers.back(), items, languages[j], words);
        const metrics::ProcrustesResult p = metrics::procrustes(a, b);
        pairs[languages[i] + "-" + languages[j]] = {
            {"words", words.size()},
            {"rsa", number(metrics::rsa(metrics::rdm(a, metrics::RdmMetric::correlation), metrics::rdm(b, metrics::RdmMetric::correlation)))},
            {"procrustes_residual", number(p.residual)},
            {"procrustes_disparity", number(p.scale_free_disparity)}};
      }
    out[stack.model + " (" + stack.layer_names.back() + ")"] = pairs;
  }
  return out;
}

json forced_choice(models::TwoTowerImpl& model, const train::SplitData& split, const std::string& path, const c10::Device& device) {
  std::vector<std::string> audio, image_a, image_b;
  std::vector<double> human;
  data::for_each_json_line(path, "human choices", [&](const json& o, const std::string& where, int) {
    audio.push_back(data::nonempty_string(o, "audio", where));
    image_a.push_back(data::nonempty_string(o, "image_a", where));
    image_b.push_back(data::nonempty_string(o, "image_b", where));
    if (!o.contains("human_a") || !o["human_a"].is_number() || o["human_a"].get<double>() < 0 || o["human_a"].get<double>() > 1)
      throw Error(where + ": 'human_a' must be the share of people choosing image_a, a number in [0, 1]");
    if (!split.audio_features->contains(audio.back())) throw Error(where + ": audio '" + audio.back() + "' is not in the test split");
    for (const std::string& id : {image_a.back(), image_b.back()})
      if (!split.image_features->contains(id)) throw Error(where + ": image '" + id + "' is not in the test split");
    human.push_back(o["human_a"].get<double>());
  });
  if (human.empty()) throw Error(path + ": no human choices");
  const at::Tensor spoken = train::embed_items(model, audio, *split.audio_features, true, device);
  const at::Tensor a = (spoken * train::embed_items(model, image_a, *split.image_features, false, device)).sum(1);
  const at::Tensor b = (spoken * train::embed_items(model, image_b, *split.image_features, false, device)).sum(1);
  std::vector<metrics::PreferenceItem> items;
  for (size_t i = 0; i < human.size(); ++i)
    items.push_back({a[static_cast<int64_t>(i)].item<double>(), b[static_cast<int64_t>(i)].item<double>(), human[i]});
  const metrics::PreferenceResult r = metrics::model_human_agreement(items);
  return {{"items", r.items}, {"agreements", r.agreements}, {"ties", r.ties}, {"agreement", number(r.agreement)},
          {"correlation", number(r.correlation)}};
}

}  // namespace vgs::analysis
