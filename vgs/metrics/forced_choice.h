// Forced-choice accuracy (FOIL-COCO, the toy caption world's foils; vgs/data/forced_choice.h): a
// model is right on an item when it scores the true caption with the image above the foil with the
// image. Overall and per category (what the foil replaced).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace vgs::metrics {

struct ChoiceCount {
  int64_t items = 0, correct = 0;
  double accuracy() const;  // correct / items (NaN without items)
};

struct ForcedChoiceResult {
  ChoiceCount overall;
  std::map<std::string, ChoiceCount> categories;  // by category name
  // The mean of the per-category accuracies (each category counts once, however many items it has).
  double category_mean() const;
};

// caption_scores[i] = score(caption i, image i), foil_scores[i] = score(foil i, image i), categories[i]
// its category. Item i is correct when caption_scores[i] > foil_scores[i]: a tie is wrong, as the model
// has not told them apart (and a constant scorer must not reach 100%). vgs::Error for vectors of
// different lengths or a NaN score.
ForcedChoiceResult forced_choice_accuracy(const std::vector<double>& caption_scores, const std::vector<double>& foil_scores,
                                          const std::vector<std::string>& categories);

}  // namespace vgs::metrics
