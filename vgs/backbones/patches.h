// Weight-free image patches: a normalised image cut into non-overlapping p x p patches, each
// flattened (channel-major), as tokens for models that embed raw pixels themselves.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace vgs::backbones {

// images: [C, H, W] -> [H/p * W/p, C*p*p], or [B, C, H, W] -> [B, H/p * W/p, C*p*p].
// Patches are in row-major order (patch row, then patch column); inside a patch the values run
// channel, then row, then column: token[k][c*p*p + i*p + j] = image[c][r*p + i][q*p + j] for
// patch k = r * (W/p) + q. For a 3-channel image with p = 16 each token has 768 values.
// H and W must be divisible by p, otherwise vgs::Error saying so.
at::Tensor image_patches(const at::Tensor& images, int64_t patch_size = 16);

// The patch grid (rows, columns) of an H x W image, after the same divisibility check.
struct PatchGrid {
  int64_t rows = 0;
  int64_t columns = 0;
  int64_t count() const { return rows * columns; }
};
PatchGrid patch_grid(int64_t height, int64_t width, int64_t patch_size = 16);

}  // namespace vgs::backbones
