// Evaluating one training run.
#include "vgs/eval/evaluator.h"

#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "vgs/core/error.h"
#include "vgs/core/log.h"
#include "vgs/data/manifest.h"
#include "vgs/data/trials.h"
#include "vgs/data/vocabulary.h"
#include "vgs/eval/item_sample.h"
#include "vgs/metrics/geometry.h"
#include "vgs/metrics/retrieval.h"
#include "vgs/metrics/translation.h"
#include "vgs/models/two_tower.h"
#include "vgs/nn/device.h"
#include "vgs/train/checkpoint.h"
#include "vgs/train/feature_bank.h"
#include "vgs/train/run.h"
#include "vgs/train/two_tower_task.h"
#include "vgs/train/trial_scoring.h"

namespace fs = std::filesystem;

namespace vgs::eval {

std::optional<data::WordKind> vocabulary_kind(const std::string& word) {
  const data::Word* w = data::find_word(word);
  if (!w) return std::nullopt;
  return w->kind;
}

namespace {

bool wants(const EvalOptions& o, const std::string& task) {
  return std::find(o.tasks.begin(), o.tasks.end(), task) != o.tasks.end();
}

// The rows of `items` whose word is on the novel (else the familiar) list and, when `group` is set,
// whose group equals it.
std::vector<int64_t> rows_where(const EmbeddedItems& items, bool novel, const std::string& group = "") {
  std::vector<int64_t> rows;
  for (size_t i = 0; i < items.ids.size(); ++i)
    if (items.novel[i] == novel && (group.empty() || items.groups[i] == group)) rows.push_back(static_cast<int64_t>(i));
  return rows;
}

at::Tensor take(const at::Tensor& x, const std::vector<int64_t>& rows) {
  return x.index_select(0, torch::tensor(rows, at::kLong));
}
std::vector<std::string> take(const std::vector<std::string>& x, const std::vector<int64_t>& rows) {
  std::vector<std::string> out;
  for (int64_t r : rows) out.push_back(x[static_cast<size_t>(r)]);
  return out;
}

// Appends an item of the sample unless its word is on neither vocabulary list: such a word is
// neither familiar nor novel, so no familiar/novel analysis may count it.
void add_vocabulary_item(EmbeddedItems& items, const std::string& id, const std::string& word, const std::string& group) {
  const std::optional<data::WordKind> kind = vocabulary_kind(word);
  if (!kind) return;
  items.ids.push_back(id), items.words.push_back(word), items.groups.push_back(group);
  items.novel.push_back(*kind == data::WordKind::novel);
}

void warn_out_of_vocabulary(const std::string& run_dir, size_t audio, size_t images) {
  if (audio + images > 0)
    log::warn("[eval] ", run_dir, ": left out ", audio, " audio and ", images,
              " images of words on neither vocabulary list (out of vocabulary, or \"", data::excluded_novel_word, "\")");
}

// The baseline's input: backbone features mean-pooled over valid frames (the last layer when the
// store holds several): me-vgs's "inp" rows of the translation table.
at::Tensor mean_pooled_features(const train::FeatureBank& bank, const std::vector<std::string>& ids) {
  std::vector<at::Tensor> parts;
  for (size_t begin = 0; begin < ids.size(); begin += 256) {
    std::vector<std::string> chunk(ids.begin() + begin, ids.begin() + std::min(ids.size(), begin + 256));
    auto [features, lengths] = bank.collate(chunk);
    if (features.dim() == 4) features = features.select(1, features.size(1) - 1);  // [N, T, D]
    at::Tensor keep = (at::arange(features.size(1)).view({1, -1}) < lengths.view({-1, 1})).to(features.scalar_type());
    parts.push_back((features * keep.unsqueeze(-1)).sum(1) / lengths.to(features.scalar_type()).view({-1, 1}));
  }
  return torch::cat(parts).to(at::kFloat);
}

// The test split's items and features; the trial lists are read by score_trial_lists (eval.trials
// may replace the run's).
train::SplitData load_test_data(const train::TwoTowerOptions& run) {
  train::Split test = run.test;
  test.trials.clear();
  return train::load_split(run, test, "test");
}

// Two-way trials grouped by (test, language): "familiar/en", "me/fr".
void score_trial_lists(RunEvaluation& r, const std::vector<std::string>& paths, const train::SplitData& d,
                       models::TwoTowerImpl& model, const EvalOptions& o, const c10::Device& device) {
  for (const auto& path : paths) {
    auto trials = data::read_trials(path);
    if (int64_t dropped = train::drop_trials_of_left_out_items(trials, d); dropped > 0)
      log::warn("[eval] ", path, ": left out ", dropped, " trials naming items without features");
    data::check_trials(trials, d.audio, d.images, path);
    std::map<std::string, std::vector<data::Trial>> groups;
    for (auto& t : trials)
      if (wants(o, t.test)) groups[t.test + "/" + t.lang].push_back(t);
    for (const auto& [name, group] : groups) {
      auto score = train::score_trials(model, group, *d.audio_features, *d.image_features, name, device);
      if (r.counts.count(name)) throw Error(path + ": trials of " + name + " come from a second list; give one per test and language");
      r.metrics[name] = score.accuracy();
      r.counts[name] = score.trials;
    }
  }
}

void translation(RunEvaluation& r, const train::FeatureBank& audio_bank) {
  if (r.languages.size() < 2) return;  // needs two languages: skipped for monolingual runs
  const EmbeddedItems& a = r.audio;
  at::Tensor baseline = mean_pooled_features(audio_bank, a.ids);
  for (bool novel : {false, true})
    for (const auto& source : r.languages)
      for (const auto& target : r.languages) {
        if (source == target) continue;
        auto train_rows = rows_where(a, novel, source), test_rows = rows_where(a, novel, target);
        if (train_rows.empty() || test_rows.empty()) continue;
        const std::string key = std::string(novel ? "novel" : "familiar") + "/" + source + "->" + target;
        auto model = metrics::nearest_centroid(take(a.embeddings, train_rows), take(a.words, train_rows),
                                               take(a.embeddings, test_rows), take(a.words, test_rows));
        auto input = metrics::nearest_centroid(take(baseline, train_rows), take(a.words, train_rows),
                                               take(baseline, test_rows), take(a.words, test_rows));
        if (model.items_without_centroid > 0)
          log::warn("[eval] translation/", key, ": ", model.items_without_centroid, " of ", model.items,
                    " target items are of words without ", source, " audio: counted as misses");
        r.metrics["translation/" + key] = model.accuracy;
        r.metrics["translation_baseline/" + key] = input.accuracy;
        r.counts["translation/" + key] = r.counts["translation_baseline/" + key] = model.items;
      }
}

void retrieval(RunEvaluation& r) {
  auto image_rows = rows_where(r.images, false);
  if (image_rows.empty()) return;
  at::Tensor gallery = take(r.images.embeddings, image_rows);
  auto gallery_words = take(r.images.words, image_rows);
  for (const auto& lang : r.languages) {
    auto audio_rows = rows_where(r.audio, false, lang);
    if (audio_rows.empty()) continue;
    at::Tensor queries = take(r.audio.embeddings, audio_rows);
    auto query_words = take(r.audio.words, audio_rows);
    auto put = [&](const std::string& direction, const metrics::RetrievalResult& x) {
      const std::string p = "retrieval/" + lang + "/" + direction + "/";
      r.metrics[p + "r1"] = x.r1, r.metrics[p + "r5"] = x.r5, r.metrics[p + "r10"] = x.r10;
      r.metrics[p + "mean_rank"] = x.mean_rank, r.metrics[p + "median_rank"] = x.median_rank;
      for (const char* m : {"r1", "r5", "r10", "mean_rank", "median_rank"}) r.counts[p + m] = x.queries;
    };
    put("audio_to_image", metrics::retrieval_by_label(queries, query_words, gallery, gallery_words));
    put("image_to_audio", metrics::retrieval_by_label(gallery, gallery_words, queries, query_words));
  }
}

void put_metric(RunEvaluation& r, const std::string& key, double value, size_t items) {
  r.metrics[key] = value;
  r.counts[key] = static_cast<int64_t>(items);
}

// Per modality and word kind, audio of every language together: variances and me-vgs's average
// similarity (its compute_average_similarity_per_modality does the familiar words).
void modality_geometry(RunEvaluation& r, bool novel) {
  const std::string kind = novel ? "novel" : "familiar";
  for (const auto* items : {&r.audio, &r.images}) {
    const auto rows = rows_where(*items, novel);
    if (rows.size() < 2) continue;
    const at::Tensor x = take(items->embeddings, rows);
    const std::string p = "geometry/" + std::string(items == &r.audio ? "audio" : "image") + "/" + kind + "/";
    put_metric(r, p + "total_variance", metrics::total_variance(x), rows.size());
    put_metric(r, p + "within_class_variance", metrics::within_class_variance(x, take(items->words, rows)), rows.size());
    const metrics::SimilarityStats similarity = metrics::average_similarity(x);
    put_metric(r, p + "similarity_mean", similarity.mean, rows.size());
    put_metric(r, p + "similarity_std", similarity.std, rows.size());
  }
  const auto audio_rows = rows_where(r.audio, novel), image_rows = rows_where(r.images, novel);
  if (audio_rows.empty() || image_rows.empty()) return;
  put_metric(r, "geometry/modality_gap/" + kind,
      metrics::modality_gap(take(r.audio.embeddings, audio_rows), take(r.images.embeddings, image_rows)),
      audio_rows.size() + image_rows.size());
}

// me-vgs's per-word figures (show_explain_me.py), per test language as me-vgs computes them: each
// novel word's centroid distance and spreads, and for both kinds the mean distance over the words
// (show_across_models' "dist").
void word_geometry(RunEvaluation& r, bool novel) {
  const std::string kind = novel ? "novel" : "familiar";
  const auto image_rows = rows_where(r.images, novel);
  if (image_rows.empty()) return;
  const at::Tensor images = take(r.images.embeddings, image_rows);
  const auto image_words = take(r.images.words, image_rows);
  for (const auto& lang : r.languages) {
    const auto audio_rows = rows_where(r.audio, novel, lang);
    if (audio_rows.empty()) continue;
    const auto words = metrics::per_word_geometry(take(r.audio.embeddings, audio_rows), take(r.audio.words, audio_rows),
                                                  images, image_words);
    if (words.empty()) continue;
    double distances = 0;
    for (const auto& [word, g] : words) {
      distances += g.centroid_distance;
      if (!novel) continue;  // me-vgs reports the per-word figures of the novel words only
      const std::string p = "geometry/word/" + word + "/";
      put_metric(r, p + lang + "/distance", g.centroid_distance, static_cast<size_t>(g.audio_items + g.image_items));
      put_metric(r, p + lang + "/audio_spread", g.audio_spread, static_cast<size_t>(g.audio_items));
      put_metric(r, p + "image_spread", g.image_spread, static_cast<size_t>(g.image_items));
    }
    put_metric(r, "geometry/centroid_distance/" + kind + "/" + lang, distances / static_cast<double>(words.size()),
               audio_rows.size() + image_rows.size());
  }
}

void geometry(RunEvaluation& r) {
  for (bool novel : {false, true}) {
    modality_geometry(r, novel);
    word_geometry(r, novel);
  }
}

}  // namespace

RunEvaluation evaluate_run(const std::string& run_dir, train::TwoTowerOptions run, const EvalOptions& o) {
  RunEvaluation r;
  r.run_dir = run_dir;
  r.run_name = run.run_name;
  r.seed = static_cast<int64_t>(run.seed);
  r.languages = run.languages;
  r.checkpoint = train::RunFolder::open(run_dir).checkpoint_for_evaluation(o.checkpoint);
  train::use_toy_world(run);
  train::SplitData d = load_test_data(run);
  const c10::Device device = nn::resolve_device(o.device, "eval.device");
  models::TwoTower model(train::fit_inputs(run.model, d));
  train::load_model_weights(r.checkpoint, *model);
  model->to(device);
  model->eval();
  log::info("[eval] ", run_dir, ": checkpoint ", r.checkpoint);

  if (wants(o, "familiar") || wants(o, "me")) score_trial_lists(r, o.trials.empty() ? run.test.trials : o.trials, d, *model, o, device);

  const bool sample = wants(o, "translation") || wants(o, "retrieval") || wants(o, "geometry") || !o.export_embeddings.empty();
  if (sample) {
    auto audio = sample_per_key(d.audio, [](const data::AudioItem& a) { return a.label + "/" + a.lang; }, o.items_per_word, o.seed);
    auto images = sample_per_key(d.images, [](const data::ImageItem& i) { return i.label; }, o.items_per_word, o.seed);
    for (const auto* a : audio) add_vocabulary_item(r.audio, a->id, a->label, a->lang);
    for (const auto* i : images) add_vocabulary_item(r.images, i->id, i->label, i->source);
    warn_out_of_vocabulary(run_dir, audio.size() - r.audio.ids.size(), images.size() - r.images.ids.size());
    r.audio.embeddings = train::embed_items(*model, r.audio.ids, *d.audio_features, true, device);
    r.images.embeddings = train::embed_items(*model, r.images.ids, *d.image_features, false, device);
  }
  if (wants(o, "translation")) translation(r, *d.audio_features);
  if (wants(o, "retrieval")) retrieval(r);
  if (wants(o, "geometry")) geometry(r);
  return r;
}

}  // namespace vgs::eval
