// The model families vgs trains.
#include "vgs/train/tasks.h"

#include "vgs/train/links_task.h"
#include "vgs/train/text_grouping_task.h"
#include "vgs/train/two_tower_task.h"

namespace vgs::train {

std::unique_ptr<Task> make_task(const core::Config& config) {
  if (model_family(config) == ModelFamily::text_grouping)
    return std::make_unique<TextGroupingTask>(text_grouping_options(config));
  TwoTowerOptions options = two_tower_options(config);
  if (options.language_links) return std::make_unique<LinksTask>(std::move(options));
  return std::make_unique<TwoTowerTask>(std::move(options));
}

}  // namespace vgs::train
