// PIL's resampling of 8-bit images (Image.resize with BILINEAR or BICUBIC), reimplemented so that
// vgs feeds a backbone the very pixels torchvision's Resize gives on a PIL image: a separable,
// antialiased convolution (the filter widens by the downscale factor) in two passes with an 8-bit
// intermediate (their order: PilPassOrder in image.h), with coefficients in 22-bit fixed point.
#pragma once

#include "vgs/io/image.h"

namespace vgs::io {

enum class PilFilter {
  bilinear,  // triangle, support 1: torchvision's default for PIL images (me-vgs)
  bicubic,   // cubic convolution with a = -0.5, support 2: DINO's eval transform (interpolation=3)
};

// `image` resized to height x width as PIL would; vgs::Error for sizes that are not positive.
Image8 pil_resize(const Image8& image, int height, int width, PilFilter filter,
                  PilPassOrder order = PilPassOrder::horizontal_first);

}  // namespace vgs::io
