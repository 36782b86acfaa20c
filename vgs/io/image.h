// Image input: decode to 8-bit RGB with OpenCV, resize as the reference code does (PIL's filters in
// 8 bits, or OpenCV's bicubic in float), then float CHW in [0, 1] and ImageNet normalisation. Bad
// files raise vgs::Error naming the file and the reason.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "vgs/io/image_header.h"

namespace vgs::io {

// RGB, planar (channel-major): data[c * height * width + y * width + x].
struct Image {
  int channels = 3;
  int height = 0;
  int width = 0;
  std::vector<float> data;
  float at(int c, int y, int x) const { return data[(static_cast<size_t>(c) * height + y) * width + x]; }
};

// 8-bit, interleaved (pixel-major) as decoders give it: data[(y * width + x) * channels + c].
struct Image8 {
  int channels = 3;
  int height = 0;
  int width = 0;
  std::vector<uint8_t> data;
  uint8_t at(int c, int y, int x) const { return data[(static_cast<size_t>(y) * width + x) * channels + c]; }
};

enum class ResizePolicy {
  none,                // keep the decoded size
  shorter_side_crop,   // shorter side to `resize`, then centre crop `crop` x `crop` (DINO eval: 256 -> 224)
  square,              // both sides to `resize`, aspect ratio not kept (me-vgs: 256 x 256)
};

// How the resize step interpolates. torchvision's Resize on a PIL image is PIL's resize: with its
// default (bilinear) in me-vgs, with bicubic in DINO's eval transform (interpolation=3). Both
// antialias when downscaling and round to 8 bits between and after the two passes.
enum class Interpolation {
  pil_bilinear,          // exact PIL/torchvision bilinear (me-vgs)
  pil_bicubic,           // exact PIL/torchvision bicubic, a = -0.5 (DINO eval)
  opencv_bicubic_float,  // OpenCV's bicubic (a = -0.75) in float, no antialiasing: vgs before PIL's
};

// Which pass runs first. The 8-bit intermediate makes the order visible (up to 1 grey level with
// bilinear, more with bicubic's overshoot), and Pillow 13 changed it for images whose height shrinks
// much more than their width (portrait photos to a square, e.g. 375x500 -> 256x256).
enum class PilPassOrder {
  horizontal_first,  // Pillow up to 12, what me-vgs and DINO ran with
  pillow13,          // vertical first when the height shrinks by more than twice what the width does
};

// Images above this many pixels are refused from their header, before decoding (PIL's default
// limit; OpenCV's own, 2^30, lets one file take gigabytes). image.max_pixels changes it.
inline constexpr int64_t kDefaultMaxPixels = 89478485;

// ImageNet's per-channel RGB statistics, the default normalisation (image.mean, image.std).
inline constexpr std::array<double, 3> kImageNetMean{0.485, 0.456, 0.406};
inline constexpr std::array<double, 3> kImageNetStd{0.229, 0.224, 0.225};

struct ImageOptions {
  ResizePolicy policy = ResizePolicy::square;
  Interpolation interpolation = Interpolation::pil_bilinear;
  PilPassOrder pil_pass_order = PilPassOrder::horizontal_first;
  int resize = 256;
  int crop = 224;
  bool normalize = true;
  std::array<float, 3> mean{float(kImageNetMean[0]), float(kImageNetMean[1]), float(kImageNetMean[2])};
  std::array<float, 3> std{float(kImageNetStd[0]), float(kImageNetStd[1]), float(kImageNetStd[2])};
  int64_t max_pixels = kDefaultMaxPixels;
};

// Decodes any format OpenCV reads (JPEG, PNG, BMP, ...) to 8-bit RGB; vgs::Error naming the file
// when its header declares more than `max_pixels` pixels.
Image8 decode_image8(const std::string& path, int64_t max_pixels = kDefaultMaxPixels);
// decode_image8, then to_float_image.
Image decode_image(const std::string& path, int64_t max_pixels = kDefaultMaxPixels);
// Planar float, value / 255 as torchvision's ToTensor.
Image to_float_image(const Image8& image);

// `image` resized to height x width with `interpolation` (PIL's passes in `order`), as float in [0, 1].
Image resize_to_float(const Image8& image, int height, int width, Interpolation interpolation,
                      PilPassOrder order = PilPassOrder::horizontal_first);
// OpenCV's bicubic (a = -0.75) in float, without antialiasing or 8-bit rounding.
Image opencv_bicubic_resize(const Image& image, int height, int width);

// torchvision's Resize(int): the shorter side becomes `size`, the longer int(size * long / short).
ImageSize shorter_side_size(int height, int width, int size);
// torchvision semantics: top = round((h - crop) / 2), left = round((w - crop) / 2), rounding half to even.
Image center_crop(const Image& image, int crop);
void normalize_image(Image& image, const std::array<float, 3>& mean, const std::array<float, 3>& std);

// The policy with options.interpolation, then normalisation: what a backbone receives.
Image preprocess_image(const Image8& decoded, const ImageOptions& options);
// decode_image8, then preprocess_image.
Image load_image(const std::string& path, const ImageOptions& options);

// Writes 8-bit RGB (PNG or JPEG by extension) atomically; used by the toy world and the tests.
void write_image(const std::string& path, const Image& image);
void write_image(const std::string& path, const Image8& image);

}  // namespace vgs::io
