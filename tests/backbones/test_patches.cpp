// Tests of the weight-free image patches: hand-computed values on a tiny image, the same layout as
// torch's unfold, batches and the divisibility error.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include "vgs/backbones/patches.h"
#include "vgs/core/error.h"
#include "tests/support/temp_dir.h"

using namespace vgs;
using Catch::Contains;

namespace {
using vgs::test::error_of;
}  // namespace

TEST_CASE("patches of a tiny image by hand") {
  // image[c][y][x] = 100 c + 10 y + x, 2 channels, 2 x 4 pixels, patches of 2 x 2.
  auto image = torch::zeros({2, 2, 4});
  for (int c = 0; c < 2; ++c)
    for (int y = 0; y < 2; ++y)
      for (int x = 0; x < 4; ++x) image[c][y][x] = 100 * c + 10 * y + x;
  auto tokens = backbones::image_patches(image, 2);
  REQUIRE(tokens.sizes() == torch::IntArrayRef({2, 8}));
  // Patch 0 covers x = 0..1, patch 1 covers x = 2..3; channel-major, then rows, then columns.
  auto expected = torch::tensor({0.f, 1.f, 10.f, 11.f, 100.f, 101.f, 110.f, 111.f,  //
                                 2.f, 3.f, 12.f, 13.f, 102.f, 103.f, 112.f, 113.f})
                      .reshape({2, 8});
  CHECK(torch::equal(tokens, expected));
}

TEST_CASE("patches run in row-major order over the grid") {
  auto image = torch::arange(16, torch::kFloat).reshape({1, 4, 4});  // one channel, 4 x 4
  auto tokens = backbones::image_patches(image, 2);                  // 2 x 2 grid of 2 x 2 patches
  auto expected = torch::tensor({0.f, 1.f, 4.f, 5.f, 2.f, 3.f, 6.f, 7.f, 8.f, 9.f, 12.f, 13.f, 10.f, 11.f, 14.f, 15.f})
                      .reshape({4, 4});
  CHECK(torch::equal(tokens, expected));
}

TEST_CASE("patches of a batch at 224 with p 16 equal torch unfold") {
  torch::manual_seed(0);
  auto images = torch::randn({2, 3, 224, 224});
  auto tokens = backbones::image_patches(images);  // default p = 16
  REQUIRE(tokens.sizes() == torch::IntArrayRef({2, 196, 768}));
  // unfold gives [B, C*p*p, L] with the same channel-major order and row-major patches.
  namespace F = torch::nn::functional;
  auto unfolded = F::unfold(images, F::UnfoldFuncOptions({16, 16}).stride({16, 16})).transpose(1, 2);
  CHECK(torch::equal(tokens, unfolded));
  CHECK(torch::equal(backbones::image_patches(images[1]), unfolded[1]));
  CHECK(backbones::patch_grid(224, 160).count() == 14 * 10);
}

TEST_CASE("patches need sizes divisible by the patch size") {
  CHECK_THAT(error_of([] { backbones::image_patches(torch::zeros({3, 225, 224})); }),
             Contains("image size 225x224 is not divisible by the patch size 16"));
  CHECK_THAT(error_of([] { backbones::image_patches(torch::zeros({3, 32, 32}), 0); }), Contains("patch size must be positive"));
  CHECK_THAT(error_of([] { backbones::image_patches(torch::zeros({32, 32})); }), Contains("expected an image [C, H, W]"));
}
