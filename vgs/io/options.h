// The recipe keys of the io layer (audio.*, image.*, features.*) and their typed forms.
#pragma once

#include <string>

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
struct FeatureOptions {
  std::string dtype = "float16";
  std::string dir;  // where feature stores are cached ("" = next to the manifest)
  // Training and evaluation hold a store in memory ("memory"), read items from the file when a
  // batch needs them ("disk": paper-scale image features are ~25 GB), or choose by size ("auto").
  std::string load = "auto";
  double memory_limit_gb = 8;  // "auto": stores up to this size are held in memory
};

AudioOptions audio_options(const core::Config& config);
ImageOptions image_options(const core::Config& config);
FeatureOptions feature_options(const core::Config& config);

}  // namespace vgs::io
