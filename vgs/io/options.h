// The recipe keys of the io layer (audio.*, image.*, features.*) and their typed forms.
#pragma once

#include <string>

#include "vgs/core/choices.h"
#include "vgs/io/image.h"

namespace vgs::core {
class Schema;
class Config;
}  // namespace vgs::core

namespace vgs::io {

void add_io_options(core::Schema& schema);

struct AudioOptions {
  int sample_rate = 16000;
};
// Training and evaluation hold a store in memory, read items from the file when a batch needs them
// (disk: paper-scale image features are ~25 GB), choose by size (automatic, spelled "auto"), or
// compute features with the backbone on every batch (online).
enum class FeatureLoad { automatic, memory, disk, online };
const core::Choices<FeatureLoad>& feature_loads();
const core::Choices<ResizePolicy>& resize_policies();

struct FeatureOptions {
  std::string dtype = "float16";
  std::string dir;  // where feature stores are cached ("" = next to the manifest)
  FeatureLoad load = FeatureLoad::automatic;
  double memory_limit_gb = 8;  // automatic: stores up to this size are held in memory
};

AudioOptions audio_options(const core::Config& config);
ImageOptions image_options(const core::Config& config);
FeatureOptions feature_options(const core::Config& config);

}  // namespace vgs::io
