// Image sizes read from the file header, before any pixel is decoded: a 1 KB file can claim
// 100000 x 100000 pixels, and decoding it first would take tens of gigabytes. PNG, JPEG, BMP, GIF,
// WebP and PNM are read here; for other formats (TIFF, ...) OpenCV's own limit is the guard.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace vgs::io {

struct ImageSize {
  int64_t width = 0, height = 0;
  int64_t pixels() const { return width * height; }
};

// The size the header declares, or nothing for a format not read here or a header cut short.
std::optional<ImageSize> image_size_from_header(const std::vector<unsigned char>& bytes);

}  // namespace vgs::io
