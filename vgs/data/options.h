// The recipe keys of the data layer (data.*) and their typed form.
#pragma once

#include <string>

#include "vgs/data/bad_items.h"

namespace vgs::core {
class Schema;
class Config;
}  // namespace vgs::core

namespace vgs::data {

void add_data_options(core::Schema& schema);

struct DataOptions {
  std::string audio_manifest;    // "" when unset
  std::string image_manifest;
  std::string caption_manifest;
  BadItemPolicy on_bad_item = BadItemPolicy::error;
  int loader_threads = 2;
};

DataOptions data_options(const core::Config& config);

}  // namespace vgs::data
