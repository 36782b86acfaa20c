// Image input with OpenCV: decode to RGB float CHW in [0, 1], the two resize policies the models
// use, and ImageNet normalisation. Bad files raise vgs::Error naming the file and the reason.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace vgs::io {

// RGB, planar (channel-major): data[c * height * width + y * width + x].
struct Image {
  int channels = 3;
  int height = 0;
  int width = 0;
  std::vector<float> data;
  float at(int c, int y, int x) const { return data[(static_cast<size_t>(c) * height + y) * width + x]; }
};

enum class ResizePolicy {
  none,                // keep the decoded size
  shorter_side_crop,   // shorter side to `resize`, then centre crop `crop` x `crop` (DINO eval: 256 -> 224)
  square,              // both sides to `resize`, aspect ratio not kept (me-vgs: 256 x 256)
};

// Images above this many pixels are refused from their header, before decoding (PIL's default
// limit; OpenCV's own, 2^30, lets one file take gigabytes). image.max_pixels changes it.
inline constexpr int64_t kDefaultMaxPixels = 89478485;

// ImageNet's per-channel RGB statistics, the default normalisation (image.mean, image.std).
inline constexpr std::array<double, 3> kImageNetMean{0.485, 0.456, 0.406};
inline constexpr std::array<double, 3> kImageNetStd{0.229, 0.224, 0.225};

struct ImageOptions {
  ResizePolicy policy = ResizePolicy::square;
  int resize = 256;
  int crop = 224;
  bool normalize = true;
  std::array<float, 3> mean{float(kImageNetMean[0]), float(kImageNetMean[1]), float(kImageNetMean[2])};
  std::array<float, 3> std{float(kImageNetStd[0]), float(kImageNetStd[1]), float(kImageNetStd[2])};
  int64_t max_pixels = kDefaultMaxPixels;
};

// Decodes any format OpenCV reads (JPEG, PNG, BMP, ...) to RGB in [0, 1]; vgs::Error naming the file
// when its header declares more than `max_pixels` pixels.
Image decode_image(const std::string& path, int64_t max_pixels = kDefaultMaxPixels);

// Bicubic resizes, computed in float (no 8-bit rounding between steps).
Image resize_image(const Image& image, int height, int width);
// torchvision semantics: the shorter side becomes `size`, the longer int(size * long / short).
Image resize_shorter_side(const Image& image, int size);
// torchvision semantics: top = round((h - crop) / 2), left = round((w - crop) / 2), rounding half to even.
Image center_crop(const Image& image, int crop);
void normalize_image(Image& image, const std::array<float, 3>& mean, const std::array<float, 3>& std);

// decode_image, then the policy, then normalisation: what a backbone receives.
Image load_image(const std::string& path, const ImageOptions& options);

// Writes 8-bit RGB (PNG or JPEG by extension) atomically; used by the toy world and the tests.
void write_image(const std::string& path, const Image& image);

}  // namespace vgs::io
