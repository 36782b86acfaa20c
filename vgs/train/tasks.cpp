// The model families vgs trains.
#include "vgs/train/tasks.h"

#include "vgs/train/two_tower_task.h"

namespace vgs::train {

std::unique_ptr<Task> make_task(const core::Config& config) {
  return std::make_unique<TwoTowerTask>(two_tower_options(config));
}

}  // namespace vgs::train
