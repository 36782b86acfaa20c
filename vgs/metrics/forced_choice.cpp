// Forced-choice accuracy, overall and per category (see forced_choice.h).
#include "vgs/metrics/forced_choice.h"

#include <cmath>
#include <limits>

#include "vgs/core/error.h"
#include "vgs/core/log.h"

namespace vgs::metrics {

double ChoiceCount::accuracy() const {
  return items > 0 ? static_cast<double>(correct) / static_cast<double>(items) : std::numeric_limits<double>::quiet_NaN();
}

double ForcedChoiceResult::category_mean() const {
  if (categories.empty()) return std::numeric_limits<double>::quiet_NaN();
  double sum = 0;
  for (const auto& [name, count] : categories) sum += count.accuracy();
  return sum / static_cast<double>(categories.size());
}

ForcedChoiceResult forced_choice_accuracy(const std::vector<double>& caption_scores, const std::vector<double>& foil_scores,
                                          const std::vector<std::string>& categories) {
  if (caption_scores.size() != foil_scores.size() || caption_scores.size() != categories.size())
    throw Error(log::cat("forced choice: ", caption_scores.size(), " caption scores, ", foil_scores.size(),
                         " foil scores and ", categories.size(), " categories; one of each per item"));
  ForcedChoiceResult result;
  for (size_t i = 0; i < caption_scores.size(); ++i) {
    if (std::isnan(caption_scores[i]) || std::isnan(foil_scores[i]))
      throw Error(log::cat("forced choice: item ", i, " has a NaN score"));
    const bool right = caption_scores[i] > foil_scores[i];
    for (ChoiceCount* c : {&result.overall, &result.categories[categories[i]]}) {
      ++c->items;
      c->correct += right ? 1 : 0;
    }
  }
  return result;
}

}  // namespace vgs::metrics
