// The model families vgs trains, each a Task for the trainer: two_tower (me-vgs), its language-links
// variant (loss.language_links), and text_grouping (model.family).
#pragma once

#include <memory>

#include "vgs/train/task.h"

namespace vgs::core {
class Config;
}  // namespace vgs::core

namespace vgs::train {

// The task a recipe trains.
std::unique_ptr<Task> make_task(const core::Config& config);

}  // namespace vgs::train
