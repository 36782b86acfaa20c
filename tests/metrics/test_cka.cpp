// Tests of linear CKA, plain and debiased (vgs/metrics/cka.h): its invariances, and a numpy
// transcription (tests/python/ref_measures.py, which also checks the debiased form against
// Kornblith's U-centred notebook code).
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <cmath>
#include <functional>

#include "tests/metrics/measures_reference.h"
#include "vgs/metrics/cka.h"

using namespace vgs;

namespace {

// A random orthogonal [d, d] matrix (Q of a QR decomposition).
at::Tensor random_rotation(int64_t d) { return std::get<0>(torch::linalg_qr(torch::randn({d, d}, torch::kDouble))); }

}  // namespace

TEST_CASE("cka is 1 for identical inputs and invariant to rotation and isotropic scaling") {
  torch::manual_seed(53);
  // 30 rows: both computation routes of linear_cka (cross-products when 4 wide, Gram matrices when 64).
  for (int64_t dim : {4, 64}) {
    INFO("dim " << dim);
    const at::Tensor x = torch::randn({30, dim}, torch::kDouble) + 2;
    const at::Tensor y = torch::randn({30, 7}, torch::kDouble) + 0.3 * x.narrow(1, 0, 4).sum(1, true);
    const at::Tensor moved = 3.5 * at::matmul(x, random_rotation(dim));
    for (bool unbiased : {false, true}) {
      INFO("unbiased " << unbiased);
      auto cka = [&](const at::Tensor& a, const at::Tensor& b) {
        return unbiased ? metrics::unbiased_linear_cka(a, b) : metrics::linear_cka(a, b);
      };
      CHECK(cka(x, x) == Approx(1.0).margin(1e-10));
      CHECK(cka(x, moved) == Approx(1.0).margin(1e-10));
      const double base = cka(x, y);
      CHECK(base < 0.9);  // related, but not the same representation
      CHECK(cka(moved, y) == Approx(base).margin(1e-10));
      CHECK(cka(y, moved) == Approx(base).margin(1e-10));  // symmetric
      CHECK(cka(x.to(torch::kFloat), y) == Approx(base).margin(1e-5));
    }
  }
}

TEST_CASE("linear and unbiased cka agree with a numpy transcription") {
  torch::manual_seed(59);
  for (int64_t rows : {12, 40}) {  // few rows, where the debiasing matters, and more
    INFO("rows " << rows);
    const at::Tensor x = torch::randn({rows, 9}, torch::kDouble) * torch::linspace(0.2, 3, 9, torch::kDouble) - 1;
    const at::Tensor y = torch::tanh(at::matmul(x, torch::randn({9, 5}, torch::kDouble))) +
                         0.5 * torch::randn({rows, 5}, torch::kDouble);
    const io::StateDict ref = test::measures_reference({{"cka_x", x}, {"cka_y", y}});
    CHECK(metrics::linear_cka(x, y) == Approx(ref.at("cka_linear").item<double>()).margin(1e-10));
    CHECK(metrics::unbiased_linear_cka(x, y) == Approx(ref.at("cka_unbiased").item<double>()).margin(1e-10));
    CHECK(metrics::unbiased_linear_cka(x, y) < metrics::linear_cka(x, y));  // the plain one is biased upwards
  }
}

TEST_CASE("cka matrix compares every layer with every layer") {
  torch::manual_seed(61);
  const at::Tensor a0 = torch::randn({20, 3}, torch::kDouble), a1 = torch::randn({20, 6}, torch::kDouble);
  const at::Tensor b0 = 2 * a1, b1 = torch::randn({20, 2}, torch::kDouble), b2 = a0;
  for (bool unbiased : {false, true}) {
    const at::Tensor m = metrics::cka_matrix({a0, a1}, {b0, b1, b2}, unbiased);
    REQUIRE(m.sizes() == torch::IntArrayRef{2, 3});
    CHECK(m.scalar_type() == torch::kDouble);
    CHECK(m[1][0].item<double>() == Approx(1.0).margin(1e-10));
    CHECK(m[0][2].item<double>() == Approx(1.0).margin(1e-10));
    const double a0_b1 = unbiased ? metrics::unbiased_linear_cka(a0, b1) : metrics::linear_cka(a0, b1);
    CHECK(m[0][1].item<double>() == a0_b1);
  }
}

TEST_CASE("cka refuses mismatched rows and too few rows with clear errors") {
  auto error = [](const std::function<void()>& f) { return test::error_of(f); };
  const at::Tensor three = torch::randn({3, 2}, torch::kDouble), four = torch::randn({4, 2}, torch::kDouble);
  CHECK(error([&] { metrics::linear_cka(three, four); }) == "linear_cka: x and y must have the same rows, got x [3, 2] and y [4, 2]");
  CHECK(error([&] { metrics::linear_cka(three.narrow(0, 0, 1), three.narrow(0, 0, 1)); }) ==
        "linear_cka: x needs at least 2 rows, got [1, 2]");
  CHECK(error([&] { metrics::unbiased_linear_cka(three, three); }) ==
        "unbiased_linear_cka: x needs at least 4 rows, got [3, 2]");
  CHECK(error([&] { metrics::linear_cka(three, torch::ones({3}, torch::kDouble)); }) ==
        "linear_cka: y must be floating point [N, E], got [3]");
  CHECK(error([&] { metrics::cka_matrix({four}, {three}, false); }) ==
        "cka_matrix: a[0] against b[0]: linear_cka: x and y must have the same rows, got x [4, 2] and y [3, 2]");
  CHECK(error([&] { metrics::cka_matrix({}, {three}, true); }) == "cka_matrix: a and b need at least one layer each, got 0 and 1");
}
