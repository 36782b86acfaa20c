// Agreement of the model's forced choices with people's (see preference.h).
#include "vgs/metrics/preference.h"

#include <cmath>

#include "vgs/core/error.h"
#include "vgs/core/log.h"
#include "vgs/metrics/rsa.h"

namespace vgs::metrics {

namespace {

// +1 for a, -1 for b, 0 for neither.
int preference_sign(double margin) { return (margin > 0) - (margin < 0); }

void check_item(const PreferenceItem& item, size_t i) {
  if (std::isnan(item.score_a) || std::isnan(item.score_b))
    throw Error(log::cat("model_human_agreement: item ", i, " has a NaN score"));
  if (!(item.human_a_fraction >= 0 && item.human_a_fraction <= 1))
    throw Error(log::cat("model_human_agreement: item ", i, "'s human_a_fraction must be in [0, 1], got ",
                         item.human_a_fraction));
}

}  // namespace

PreferenceResult model_human_agreement(const std::vector<PreferenceItem>& items) {
  if (items.empty()) throw Error("model_human_agreement: no items");
  PreferenceResult r;
  std::vector<double> model_margins, human_margins;
  for (size_t i = 0; i < items.size(); ++i) {
    const PreferenceItem& item = items[i];
    check_item(item, i);
    const double model = item.score_a - item.score_b, human = item.human_a_fraction - 0.5;
    const int model_choice = preference_sign(model);
    if (model_choice == 0) ++r.ties;
    if (model_choice != 0 && model_choice == preference_sign(human)) ++r.agreements;
    model_margins.push_back(model);
    human_margins.push_back(human);
  }
  r.items = static_cast<int64_t>(items.size());
  r.agreement = static_cast<double>(r.agreements) / static_cast<double>(r.items);
  r.correlation = items.size() >= 2 ? pearson(model_margins, human_margins) : std::nan("");
  return r;
}

}  // namespace vgs::metrics
