// The recipe keys of the io layer and their typed forms. Each key's default is the struct member's.
#include "vgs/io/options.h"

#include <cmath>
#include <sstream>
#include <utility>
#include <stdexcept>

#include "vgs/core/config.h"
#include "vgs/core/config_checks.h"
#include "vgs/core/error.h"
#include "vgs/core/schema.h"

namespace vgs::io {

using core::Bounds;

const core::Choices<FeatureLoad>& feature_loads() {
  static const core::Choices<FeatureLoad> choices{
      {FeatureLoad::automatic, "auto"}, {FeatureLoad::memory, "memory"}, {FeatureLoad::disk, "disk"}, {FeatureLoad::online, "online"}};
  return choices;
}

const core::Choices<ResizePolicy>& resize_policies() {
  static const core::Choices<ResizePolicy> choices{
      {ResizePolicy::square, "square"}, {ResizePolicy::shorter_side_crop, "shorter_side_crop"}, {ResizePolicy::none, "none"}};
  return choices;
}

const core::Choices<Interpolation>& interpolations() {
  static const core::Choices<Interpolation> choices{{Interpolation::pil_bilinear, "pil_bilinear"},
                                                    {Interpolation::pil_bicubic, "pil_bicubic"},
                                                    {Interpolation::opencv_bicubic_float, "opencv_bicubic_float"}};
  return choices;
}

const core::Choices<PilPassOrder>& pil_pass_orders() {
  static const core::Choices<PilPassOrder> choices{{PilPassOrder::horizontal_first, "horizontal_first"},
                                                   {PilPassOrder::pillow13, "pillow13"}};
  return choices;
}

const core::Choices<Normalization>& normalizations() {
  static const core::Choices<Normalization> choices{
      {Normalization::imagenet, "imagenet"}, {Normalization::clip, "clip"}, {Normalization::custom, "custom"}};
  return choices;
}

namespace {

// OpenAI CLIP's statistics, which HF's GroupViT and CLIP processors ship (preprocessor_config.json).
constexpr std::array<float, 3> kClipMean{0.48145466f, 0.4578275f, 0.40821073f};
constexpr std::array<float, 3> kClipStd{0.26862954f, 0.26130258f, 0.27577711f};

void add_image_options(core::Schema& s) {
  const ImageOptions d;
  s.group("image", "Image decoding and preprocessing");
  s.add_choice("image.resize_policy", resize_policies(), d.policy,
               "square: both sides to image.resize (me-vgs); shorter_side_crop: shorter side to "
               "image.resize then centre crop image.crop (DINO eval); none: keep the size");
  s.add_choice("image.interpolation", interpolations(), d.interpolation,
               "pil_bilinear: PIL's antialiased bilinear in 8 bits, torchvision's Resize default (me-vgs); "
               "pil_bicubic: PIL's bicubic (DINO eval); opencv_bicubic_float: OpenCV's bicubic in float, "
               "no antialiasing");
  s.add_choice("image.pil_pass_order", pil_pass_orders(), d.pil_pass_order,
               "which pass of pil_* runs first: horizontal_first as Pillow up to 12 (me-vgs, DINO); pillow13: "
               "vertical first when the height shrinks by more than twice what the width does");
  s.add_int("image.resize", d.resize, "target size of the resize step, pixels", Bounds::at_least(1));
  s.add_int("image.crop", d.crop, "centre crop size for shorter_side_crop, pixels", Bounds::at_least(1));
  s.add_int("image.max_pixels", d.max_pixels,
            "larger images (by their header) are bad items, refused before decoding", Bounds::at_least(1));
  s.add_bool("image.normalize", d.normalize, "subtract a per-channel mean and divide by a deviation");
  s.add_choice("image.normalization", normalizations(), Normalization::imagenet,
               "imagenet: ImageNet's mean and std (DINO, NVlabs GroupViT); clip: CLIP's (HF nvidia/groupvit-*); "
               "custom: image.mean and image.std");
  s.add_float_list("image.mean", {kImageNetMean.begin(), kImageNetMean.end()},
                   "per-channel RGB mean with image.normalization: custom");
  s.add_float_list("image.std", {kImageNetStd.begin(), kImageNetStd.end()},
                   "per-channel RGB standard deviation with image.normalization: custom", Bounds::positive());
}

void add_feature_options(core::Schema& s) {
  const FeatureOptions d;
  s.group("features", "Cached backbone features (HDF5)");
  s.add_string("features.dtype", d.dtype, "precision of cached features", {"float16", "float32"});
  s.add_path("features.dir", "folder of the feature stores (default: next to each manifest)");
  s.add_choice("features.load", feature_loads(), d.load,
               "memory: hold each store in memory; disk: read items when a batch needs them; auto: memory for "
               "stores up to features.memory_limit_gb; online: no store, the backbone runs on every batch");
  s.add_float("features.memory_limit_gb", d.memory_limit_gb, "largest store held in memory with features.load: auto",
              Bounds::positive());
}

// image.mean and image.std away from their (ImageNet) defaults while a named normalisation would
// ignore them: refused, so that a recipe never believes it set statistics that are not used.
void check_statistics_unused(const core::Config& c) {
  const auto normalization = c.get_choice("image.normalization", normalizations());
  if (normalization == Normalization::custom) return;
  for (const auto& [key, defaults] : {std::pair{"image.mean", kImageNetMean}, std::pair{"image.std", kImageNetStd}}) {
    const auto& v = c.get_float_list(key);
    for (size_t i = 0; i < v.size() && i < 3; ++i)
      if (std::abs(v[i] - defaults[i]) > 1e-9)
        throw Error(core::where(c, key) + ": is used only with image.normalization: custom (it is " +
                    normalizations().name(normalization) + ", " + core::origin(c, "image.normalization") + ")");
  }
}

// Rules across the image.* keys, checked whenever a recipe loads (vgs-config included): images are
// RGB, so one mean and one deviation per channel; a centre crop cannot be larger than the resize.
void add_image_checks(core::Schema& s) {
  s.add_check([](const core::Config& c) {
    core::check_list_size(c, "image.mean", 3, "R, G, B");
    core::check_list_size(c, "image.std", 3, "R, G, B");
    check_statistics_unused(c);
    if (c.get_choice("image.resize_policy", resize_policies()) == ResizePolicy::shorter_side_crop)
      core::check_order(c, "image.crop", "image.resize", core::Order::at_most);
  });
}

std::array<float, 3> three(const core::Config& c, const std::string& key) {
  const auto& v = c.get_float_list(key);
  if (v.size() != 3) throw std::logic_error(key + ": a length add_image_checks let through");
  return {static_cast<float>(v[0]), static_cast<float>(v[1]), static_cast<float>(v[2])};
}

}  // namespace

void add_io_options(core::Schema& s) {
  s.group("audio", "Audio decoding");
  s.add_int("audio.sample_rate", AudioOptions{}.sample_rate, "sample rate the models take; files are resampled to it",
            Bounds::at_least(1000));
  add_image_options(s);
  add_image_checks(s);
  add_feature_options(s);
}

AudioOptions audio_options(const core::Config& c) {
  return AudioOptions{static_cast<int>(c.get_int("audio.sample_rate"))};
}

ImageOptions image_options(const core::Config& c) {
  ImageOptions o;
  o.policy = c.get_choice("image.resize_policy", resize_policies());
  o.interpolation = c.get_choice("image.interpolation", interpolations());
  o.pil_pass_order = c.get_choice("image.pil_pass_order", pil_pass_orders());
  o.resize = static_cast<int>(c.get_int("image.resize"));
  o.crop = static_cast<int>(c.get_int("image.crop"));
  o.max_pixels = c.get_int("image.max_pixels");
  o.normalize = c.get_bool("image.normalize");
  switch (c.get_choice("image.normalization", normalizations())) {
    case Normalization::imagenet: break;  // ImageOptions' defaults
    case Normalization::clip: o.mean = kClipMean, o.std = kClipStd; break;
    case Normalization::custom: o.mean = three(c, "image.mean"), o.std = three(c, "image.std"); break;
  }
  return o;
}

std::string describe_image_preprocessing(const ImageOptions& o) {
  auto three_numbers = [](const std::array<float, 3>& v) {
    std::ostringstream out;
    out << v[0] << "," << v[1] << "," << v[2];  // 6 significant digits: floats read from a recipe
    return out.str();
  };
  std::string text = resize_policies().name(o.policy);
  if (o.policy == ResizePolicy::square) text += " " + std::to_string(o.resize);
  if (o.policy == ResizePolicy::shorter_side_crop) text += " " + std::to_string(o.resize) + " crop " + std::to_string(o.crop);
  if (o.policy != ResizePolicy::none) text += std::string(", ") + interpolations().name(o.interpolation);
  if (o.policy != ResizePolicy::none && o.interpolation != Interpolation::opencv_bicubic_float &&
      o.pil_pass_order != PilPassOrder::horizontal_first)
    text += std::string(" ") + pil_pass_orders().name(o.pil_pass_order);  // named only when not the default
  return text + (o.normalize ? ", mean " + three_numbers(o.mean) + " std " + three_numbers(o.std) : ", no normalize");
}

FeatureOptions feature_options(const core::Config& c) {
  FeatureOptions o;
  o.dtype = c.get_string("features.dtype");
  if (c.has("features.dir")) o.dir = c.get_string("features.dir");
  o.load = c.get_choice("features.load", feature_loads());
  o.memory_limit_gb = c.get_float("features.memory_limit_gb");
  return o;
}

}  // namespace vgs::io
