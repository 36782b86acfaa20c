// Tests of the bf16 autocast guard: matmuls inside run in bfloat16, outside in float32 again, and an
// fp32 guard changes nothing.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <ATen/autocast_mode.h>

#include "vgs/nn/autocast.h"

using namespace vgs;

TEST_CASE("the bf16 autocast guard casts matmuls in its scope only") {
  const at::Tensor a = torch::randn({4, 8}), b = torch::randn({8, 3});
  {
    nn::AutocastGuard guard(c10::DeviceType::CPU, nn::Precision::bf16);
    CHECK(at::matmul(a, b).scalar_type() == at::kBFloat16);
    CHECK(at::log_softmax(a, 1).scalar_type() == at::kFloat);  // kept in fp32, as torch.autocast does
  }
  CHECK(at::matmul(a, b).scalar_type() == at::kFloat);
  CHECK_FALSE(at::autocast::is_autocast_enabled(c10::DeviceType::CPU));
  {
    nn::AutocastGuard exact(c10::DeviceType::CPU, nn::Precision::fp32);
    CHECK(at::matmul(a, b).scalar_type() == at::kFloat);
  }
}
