// Image sizes from file headers (see image_header.h); layouts from each format's specification.
#include "vgs/io/image_header.h"

#include <cctype>
#include <cstring>
#include <string>

namespace vgs::io {

namespace {

using Bytes = std::vector<unsigned char>;

bool starts_with(const Bytes& b, const char* magic, size_t at = 0) {
  const size_t n = std::strlen(magic);
  return b.size() >= at + n && std::memcmp(b.data() + at, magic, n) == 0;
}

int64_t big_endian(const Bytes& b, size_t at, int bytes) {
  int64_t value = 0;
  for (int i = 0; i < bytes; ++i) value = (value << 8) | b[at + i];
  return value;
}

int64_t little_endian(const Bytes& b, size_t at, int bytes) {
  int64_t value = 0;
  for (int i = bytes - 1; i >= 0; --i) value = (value << 8) | b[at + i];
  return value;
}

// PNG: the IHDR chunk comes first, width and height as big-endian 32-bit numbers.
std::optional<ImageSize> png_size(const Bytes& b) {
  if (b.size() < 24 || !starts_with(b, "IHDR", 12)) return std::nullopt;
  return ImageSize{big_endian(b, 16, 4), big_endian(b, 20, 4)};
}

// JPEG: walk the marker segments to the first start-of-frame (SOF0..SOF15 but DHT, JPG and DAC).
std::optional<ImageSize> jpeg_size(const Bytes& b) {
  size_t i = 2;
  while (i + 4 <= b.size()) {
    if (b[i] != 0xFF) return std::nullopt;
    const unsigned marker = b[i + 1];
    if (marker == 0xFF) {  // fill byte
      ++i;
      continue;
    }
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {  // segments without a length
      i += 2;
      continue;
    }
    const bool frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (frame && i + 9 <= b.size()) return ImageSize{big_endian(b, i + 7, 2), big_endian(b, i + 5, 2)};
    i += 2 + static_cast<size_t>(big_endian(b, i + 2, 2));
  }
  return std::nullopt;
}

// BMP: BITMAPINFOHEADER width and height (negative height: rows stored top-down).
std::optional<ImageSize> bmp_size(const Bytes& b) {
  if (b.size() < 26) return std::nullopt;
  auto height = static_cast<int32_t>(little_endian(b, 22, 4));
  return ImageSize{static_cast<int32_t>(little_endian(b, 18, 4)), height < 0 ? -int64_t{height} : height};
}

// WebP: the first chunk is lossy (VP8), lossless (VP8L) or extended (VP8X).
std::optional<ImageSize> webp_size(const Bytes& b) {
  if (starts_with(b, "VP8 ", 12) && b.size() >= 30)
    return ImageSize{little_endian(b, 26, 2) & 0x3FFF, little_endian(b, 28, 2) & 0x3FFF};
  if (starts_with(b, "VP8L", 12) && b.size() >= 25) {
    const int64_t bits = little_endian(b, 21, 4);
    return ImageSize{(bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1};
  }
  if (starts_with(b, "VP8X", 12) && b.size() >= 30) return ImageSize{little_endian(b, 24, 3) + 1, little_endian(b, 27, 3) + 1};
  return std::nullopt;
}

// PNM (P1..P6): "P6", then width and height as text, with '#' comments between.
std::optional<ImageSize> pnm_size(const Bytes& b) {
  size_t i = 2;
  int64_t numbers[2];
  for (int64_t& number : numbers) {
    while (i < b.size() && (std::isspace(b[i]) || b[i] == '#')) {
      if (b[i] == '#')
        while (i < b.size() && b[i] != '\n') ++i;
      else
        ++i;
    }
    if (i >= b.size() || !std::isdigit(b[i])) return std::nullopt;
    number = 0;
    while (i < b.size() && std::isdigit(b[i]) && number < (int64_t{1} << 40)) number = number * 10 + (b[i++] - '0');
  }
  return ImageSize{numbers[0], numbers[1]};
}

}  // namespace

std::optional<ImageSize> image_size_from_header(const Bytes& b) {
  if (starts_with(b, "\x89PNG\r\n\x1a\n")) return png_size(b);
  if (b.size() >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return jpeg_size(b);
  if (starts_with(b, "BM")) return bmp_size(b);
  if ((starts_with(b, "GIF87a") || starts_with(b, "GIF89a")) && b.size() >= 10)
    return ImageSize{little_endian(b, 6, 2), little_endian(b, 8, 2)};
  if (starts_with(b, "RIFF") && starts_with(b, "WEBP", 8)) return webp_size(b);
  if (b.size() >= 2 && b[0] == 'P' && b[1] >= '1' && b[1] <= '6') return pnm_size(b);
  return std::nullopt;
}

}  // namespace vgs::io
