// Forced choice against people: on items where people chose between two candidates (two captions,
// two images, two words), how often the model's preference agrees with theirs, and how its margin
// follows theirs.
#pragma once

#include <cstdint>
#include <vector>

namespace vgs::metrics {

struct PreferenceItem {
  double score_a = 0, score_b = 0;  // the model's scores of candidates a and b
  double human_a_fraction = 0;      // the share of people who chose a, in [0, 1] (1: "a", 0: "b")
};

struct PreferenceResult {
  int64_t items = 0;
  int64_t agreements = 0;  // items where the model and the majority of people prefer the same candidate
  int64_t ties = 0;        // items the model scores equally (it prefers neither)
  double agreement = 0;    // agreements / items
  double correlation = 0;  // Pearson of (score_a - score_b) against (human_a_fraction - 0.5) over the items
                           // (scipy.stats.pearsonr); NaN when either is constant
};

// The model prefers a when score_a > score_b, b when score_a < score_b, and neither on a tie; people
// prefer a when human_a_fraction > 0.5, b when < 0.5, and neither at exactly 0.5. An item agrees when
// both prefer the same candidate, so a model tie or an evenly split item never agrees (a constant
// scorer scores 0). vgs::Error when there are no items, a score is NaN or a fraction is outside [0, 1].
PreferenceResult model_human_agreement(const std::vector<PreferenceItem>& items);

}  // namespace vgs::metrics
