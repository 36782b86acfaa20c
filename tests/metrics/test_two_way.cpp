// Tests of the two-way matching test (vgs/metrics/two_way.h) on hand-picked 2-d embeddings.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include "tests/support/temp_dir.h"
#include "vgs/metrics/two_way.h"

using namespace vgs;

TEST_CASE("two way correct compares positive and negative dot products, a tie counting as correct") {
  for (auto dtype : {torch::kFloat, torch::kDouble}) {
    INFO(dtype);
    auto rows = [&](std::vector<double> v) { return torch::tensor(v, torch::kDouble).view({-1, 2}).to(dtype); };
    auto anchors = rows({1, 0, /**/ 1, 0, /**/ 0, 1});
    auto positives = rows({0.6, 0.8, /**/ 0, 1, /**/ 0.6, 0.8});
    auto negatives = rows({0.8, 0.6, /**/ 0, -1, /**/ 0.8, 0.6});
    // row 0: 1*0.6 = 0.6 < 1*0.8 = 0.8  -> wrong
    // row 1: 0 vs 0, a tie               -> correct (me-vgs's argmax picks the positive, index 0)
    // row 2: 1*0.8 = 0.8 > 1*0.6 = 0.6  -> correct
    auto correct = metrics::two_way_correct(anchors, positives, negatives);
    REQUIRE(correct.scalar_type() == torch::kBool);
    REQUIRE(correct.sizes() == torch::IntArrayRef{3});
    CHECK_FALSE(correct[0].item<bool>());
    CHECK(correct[1].item<bool>());
    CHECK(correct[2].item<bool>());
    // The accuracy a caller reports: 2 of 3.
    CHECK(correct.to(torch::kDouble).mean().item<double>() == Approx(2.0 / 3));
  }
  // No trials: an empty answer, not an error.
  auto none = torch::zeros({0, 4});
  CHECK(metrics::two_way_correct(none, none, none).numel() == 0);
}

TEST_CASE("two way correct refuses mismatched shapes with clear errors") {
  auto a = torch::randn({3, 4});
  CHECK(test::error_of([&] { metrics::two_way_correct(a, torch::randn({3, 5}), a); }) ==
        "two_way_correct: anchors, positives and negatives must have the same shape [N, E], got [3, 4], [3, 5] and "
        "[3, 4]");
  CHECK(test::error_of([&] { metrics::two_way_correct(a, a, torch::randn({4})); }) ==
        "two_way_correct: negatives must be floating point [N, E], got [4]");
  CHECK(test::error_of([&] { metrics::two_way_correct(torch::ones({3, 4}, torch::kLong), a, a); }) ==
        "two_way_correct: anchors must be floating point [N, E], got [3, 4]");
  CHECK(test::error_of([&] { metrics::two_way_correct(a, at::Tensor(), a); }) ==
        "two_way_correct: positives must be floating point [N, E], got undefined");
}
