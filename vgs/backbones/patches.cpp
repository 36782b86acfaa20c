// Weight-free image patches: one reshape and permute (a single copy) from an image to patch tokens.
#include "vgs/backbones/patches.h"

#include <torch/torch.h>

#include <sstream>

#include "vgs/core/error.h"

namespace vgs::backbones {

PatchGrid patch_grid(int64_t height, int64_t width, int64_t patch_size) {
  if (patch_size < 1) throw Error("image patches: patch size must be positive, got " + std::to_string(patch_size));
  if (height < 1 || width < 1 || height % patch_size != 0 || width % patch_size != 0)
    throw Error("image patches: image size " + std::to_string(height) + "x" + std::to_string(width) +
                " is not divisible by the patch size " + std::to_string(patch_size) +
                "; resize or crop to a multiple of it");
  return {height / patch_size, width / patch_size};
}

at::Tensor image_patches(const at::Tensor& images, int64_t patch_size) {
  if (!images.defined() || (images.dim() != 3 && images.dim() != 4)) {
    std::ostringstream shape;
    if (images.defined()) shape << images.sizes();
    throw Error("image patches: expected an image [C, H, W] or a batch [B, C, H, W], got " +
                (images.defined() ? shape.str() : std::string("an undefined tensor")));
  }
  const bool single = images.dim() == 3;
  auto x = single ? images.unsqueeze(0) : images;  // [B, C, H, W]
  const int64_t batch = x.size(0), channels = x.size(1), p = patch_size;
  const auto grid = patch_grid(x.size(2), x.size(3), p);
  auto tokens = x.reshape({batch, channels, grid.rows, p, grid.columns, p})  // [B, C, R, p, Q, p]
                    .permute({0, 2, 4, 1, 3, 5})                           // [B, R, Q, C, p, p]
                    .reshape({batch, grid.count(), channels * p * p});     // [B, R*Q, C*p*p]
  return single ? tokens.squeeze(0) : tokens;
}

}  // namespace vgs::backbones
