// PIL's 8-bit resampling, written from its description: per output pixel, the filter is centred on
// the output pixel's centre mapped into the input, widened by the downscale factor (antialiasing),
// its weights normalised to sum 1, then rounded to 22-bit fixed point. Each pass accumulates from a
// half (rounding), shifts back and clamps to 0..255, so the intermediate image is 8-bit as in PIL.
#include "vgs/io/pil_resample.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "vgs/core/error.h"

namespace vgs::io {

namespace {

// PIL keeps 8-bit accumulators in an int: 32 bits less 8 for the pixel value, less 2 of headroom
// for weights that sum past 1 when negative lobes are present.
constexpr int kPrecisionBits = 32 - 8 - 2;

struct Filter {
  double support;            // half-width at scale 1, in input pixels
  double (*weight)(double);  // the kernel at a distance in input pixels (scale 1)
};

double triangle(double x) {
  x = std::abs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

// Keys' cubic convolution with a = -0.5, as PIL's BICUBIC (OpenCV's INTER_CUBIC takes a = -0.75).
double cubic(double x) {
  constexpr double a = -0.5;
  x = std::abs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
  return 0.0;
}

Filter filter_of(PilFilter f) { return f == PilFilter::bilinear ? Filter{1.0, triangle} : Filter{2.0, cubic}; }

// The taps of one axis: output i reads count[i] inputs from first[i] with the fixed-point weights
// weights[i * stride + k].
struct AxisTaps {
  int stride = 0;
  std::vector<int> first, count;
  std::vector<int32_t> weights;
};

// Rounds half away from zero, as PIL converts its double weights to fixed point.
int32_t to_fixed_point(double w) {
  const double scaled = w * static_cast<double>(1 << kPrecisionBits);
  return static_cast<int32_t>(w < 0 ? scaled - 0.5 : scaled + 0.5);
}

AxisTaps axis_taps(int in_size, int out_size, const Filter& filter) {
  const double scale = static_cast<double>(in_size) / out_size;
  const double filter_scale = std::max(scale, 1.0);  // downscaling widens the filter: antialiasing
  const double support = filter.support * filter_scale;
  const double inverse_filter_scale = 1.0 / filter_scale;  // PIL multiplies by the reciprocal
  AxisTaps taps;
  taps.stride = static_cast<int>(std::ceil(support)) * 2 + 1;
  taps.first.resize(out_size);
  taps.count.resize(out_size);
  taps.weights.assign(static_cast<size_t>(out_size) * taps.stride, 0);
  std::vector<double> w(taps.stride);
  for (int out = 0; out < out_size; ++out) {
    const double center = (out + 0.5) * scale;
    // C's (int) truncates toward zero; a negative start is clamped to 0 either way.
    const int first = std::max(0, static_cast<int>(center - support + 0.5));
    const int last = std::min(in_size, static_cast<int>(center + support + 0.5));
    const int count = last - first;
    double total = 0;
    for (int k = 0; k < count; ++k) total += w[k] = filter.weight((k + first - center + 0.5) * inverse_filter_scale);
    for (int k = 0; k < count; ++k)
      taps.weights[static_cast<size_t>(out) * taps.stride + k] = to_fixed_point(total != 0 ? w[k] / total : w[k]);
    taps.first[out] = first;
    taps.count[out] = count;
  }
  return taps;
}

// Where the samples of one axis lie in interleaved memory: sample p of line l, channel c, is at
// l * line_step + p * position_step + c.
struct Layout {
  size_t line_step, position_step;
};

uint8_t clamp_to_byte(int64_t accumulator) {
  return static_cast<uint8_t>(std::clamp<int64_t>(accumulator >> kPrecisionBits, 0, 255));
}

// One pass of the separable filter along an axis, for `lines` lines of `channels` channels.
void convolve_axis(const uint8_t* in, Layout in_layout, uint8_t* out, Layout out_layout, int lines, int channels,
                   const AxisTaps& taps) {
  const int out_size = static_cast<int>(taps.first.size());
  for (int line = 0; line < lines; ++line)
    for (int o = 0; o < out_size; ++o) {
      const int32_t* w = taps.weights.data() + static_cast<size_t>(o) * taps.stride;
      const uint8_t* src = in + line * in_layout.line_step + taps.first[o] * in_layout.position_step;
      uint8_t* dst = out + line * out_layout.line_step + o * out_layout.position_step;
      for (int c = 0; c < channels; ++c) {
        int64_t accumulator = int64_t{1} << (kPrecisionBits - 1);  // a half: the shift then rounds
        for (int k = 0; k < taps.count[o]; ++k) accumulator += src[k * in_layout.position_step + c] * int64_t{w[k]};
        dst[c] = clamp_to_byte(accumulator);
      }
    }
}

Image8 blank_like(const Image8& image, int height, int width) {
  Image8 out;
  out.channels = image.channels;
  out.height = height;
  out.width = width;
  out.data.resize(static_cast<size_t>(out.channels) * height * width);
  return out;
}

Image8 resize_rows(const Image8& image, int width, const Filter& filter) {
  Image8 out = blank_like(image, image.height, width);
  const size_t c = image.channels;
  convolve_axis(image.data.data(), {image.width * c, c}, out.data.data(), {width * c, c}, image.height,
                image.channels, axis_taps(image.width, width, filter));
  return out;
}

Image8 resize_columns(const Image8& image, int height, const Filter& filter) {
  Image8 out = blank_like(image, height, image.width);
  const size_t c = image.channels, row = image.width * c;
  convolve_axis(image.data.data(), {c, row}, out.data.data(), {c, row}, image.width, image.channels,
                axis_taps(image.height, height, filter));
  return out;
}

}  // namespace

Image8 pil_resize(const Image8& image, int height, int width, PilFilter filter_kind, PilPassOrder order) {
  if (height <= 0 || width <= 0)
    throw Error("resize to " + std::to_string(height) + "x" + std::to_string(width) + ": sizes must be positive");
  const Filter filter = filter_of(filter_kind);
  const bool vertical_first = order == PilPassOrder::pillow13 && height < image.height &&
                              image.height - height > 2 * (image.width - width);
  // PIL skips a pass whose size does not change; at scale 1 the filter is the identity anyway.
  if (vertical_first) {
    Image8 out = image.height == height ? image : resize_columns(image, height, filter);
    return out.width == width ? out : resize_rows(out, width, filter);
  }
  Image8 out = image.width == width ? image : resize_rows(image, width, filter);
  return out.height == height ? out : resize_columns(out, height, filter);
}

}  // namespace vgs::io
