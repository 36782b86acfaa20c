// Evaluating one training run: its checkpoint, its test data (cached backbone features), and the
// published protocols on them: familiar and ME trials, cross-lingual translation by nearest
// centroid (with the backbone-feature baseline), retrieval R@K and embedding geometry. The numbers
// go into a flat map with stable keys (docs/evaluation.md), which summary.h aggregates over seeds.
#pragma once

#include <ATen/core/Tensor.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "vgs/data/vocabulary.h"
#include "vgs/eval/options.h"
#include "vgs/train/two_tower_options.h"
#include "vgs/train/options.h"

namespace vgs::eval {

// Embeddings of a sample of items, with what each item is.
struct EmbeddedItems {
  at::Tensor embeddings;            // [N, E] float32, L2-normalised
  std::vector<std::string> ids, words;
  std::vector<std::string> groups;  // audio: language; images: source
  std::vector<bool> novel;          // the word is one of the ME novel words (else a familiar one)
};

// The ME vocabulary list `word` is on (data::familiar_words or data::novel_words); nullopt for a word
// on neither: out of vocabulary, "nautilus" included. Such items are left out of the sample that
// translation, retrieval and geometry use (me-vgs's filter_data keeps only its two word lists).
std::optional<data::WordKind> vocabulary_kind(const std::string& word);

struct RunEvaluation {
  std::string run_dir, run_name, checkpoint;  // checkpoint: the folder evaluated
  int64_t seed = 0;
  std::vector<std::string> languages;
  std::map<std::string, double> metrics;      // e.g. "familiar/en", "translation/familiar/en->fr"
  std::map<std::string, int64_t> counts;      // trials or items behind each metric
  EmbeddedItems audio, images;                // the translation / geometry sample (empty when not needed)
  std::vector<std::string> figures;           // per-run figures already written (text grouping attention maps)
};

// `run` is the run's own config (RUN/config.yaml) in typed form. vgs::Error naming the file or key
// for a missing checkpoint, missing test data or a trial list that does not fit the test manifests.
RunEvaluation evaluate_run(const std::string& run_dir, train::TwoTowerOptions run, const EvalOptions& options);

}  // namespace vgs::eval
