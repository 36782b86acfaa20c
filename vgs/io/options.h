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
const core::Choices<Interpolation>& interpolations();
const core::Choices<PilPassOrder>& pil_pass_orders();
// The per-channel statistics images are normalised with: ImageNet's (DINO, the NVlabs GroupViT
// file), CLIP's (the HF GroupViT and CLIP ports), or image.mean and image.std (custom).
enum class Normalization { imagenet, clip, custom };
const core::Choices<Normalization>& normalizations();

struct FeatureOptions {
  std::string dtype = "float16";
  std::string dir;  // where feature stores are cached ("" = next to the manifest)
  FeatureLoad load = FeatureLoad::automatic;
  double memory_limit_gb = 8;  // automatic: stores up to this size are held in memory
};

AudioOptions audio_options(const core::Config& config);
ImageOptions image_options(const core::Config& config);
// One line, in the recipe's words, naming every setting that changes the pixels a backbone
// receives, for a feature store to record: "square 256, pil_bilinear, mean 0.485,0.456,0.406 std
// 0.229,0.224,0.225" (interpolation only when something is resized, the pass order only when it is
// Pillow 13's; "no normalize" without normalisation).
std::string describe_image_preprocessing(const ImageOptions& options);
FeatureOptions feature_options(const core::Config& config);

}  // namespace vgs::io
