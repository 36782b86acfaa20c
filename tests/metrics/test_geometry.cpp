// Tests of the embedding-space geometry (vgs/metrics/geometry.h) on hand-picked 2-d embeddings; the
// inputs are deliberately not unit length, to show that every function but pca normalises first.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <cmath>

#include "tests/metrics/embedding_rows.h"
#include "tests/support/temp_dir.h"
#include "vgs/metrics/geometry.h"

using namespace vgs;
using Catch::Contains;

using test::rows;

TEST_CASE("total variance is the covariance trace of the unit rows") {
  for (auto dtype : {at::kFloat, at::kDouble}) {
    INFO(dtype);
    // (3, 0), (0, 2) -> unit (1, 0), (0, 1); mean (.5, .5); deviations (.5, -.5), (-.5, .5);
    // squared 4 * .25 = 1, over N - 1 = 1 -> 1
    CHECK(metrics::total_variance(rows({3, 0, 0, 2}, dtype)) == Approx(1.0).epsilon(1e-12));
    // (1, 0), (-1, 0), (0, 5) -> unit (1, 0), (-1, 0), (0, 1); mean (0, 1/3);
    // squared deviations x 1 + 1 + 0 = 2, y 1/9 + 1/9 + 4/9 = 2/3; (2 + 2/3) / 2 = 4/3
    CHECK(metrics::total_variance(rows({1, 0, -1, 0, 0, 5}, dtype)) == Approx(4.0 / 3).epsilon(1e-6));
  }
}

TEST_CASE("within class variance averages the labels having two or more rows") {
  // "a": (1, 0), (0, 1) -> 1 (as above); "b": (2, 0), (-1, 0) -> unit (1, 0), (-1, 0), mean 0,
  // squared deviations 2, over 1 -> 2; "c" has one row and is left out. (1 + 2) / 2 = 1.5
  auto x = rows({1, 0, 2, 0, 0, 1, 0, 3, -1, 0});
  CHECK(metrics::within_class_variance(x, {"a", "b", "a", "c", "b"}) == Approx(1.5).epsilon(1e-12));
}

TEST_CASE("modality gap is the distance between the mean unit rows") {
  // a: (2, 0), (0, 3) -> mean unit (.5, .5); b: (-1, 0), (0, -4) -> (-.5, -.5); |(1, 1)| = sqrt 2
  CHECK(metrics::modality_gap(rows({2, 0, 0, 3}), rows({-1, 0, 0, -4})) == Approx(std::sqrt(2.0)).epsilon(1e-12));
  // b's rows may differ in number from a's; identical directions have no gap.
  CHECK(metrics::modality_gap(rows({2, 0}), rows({1, 0, 5, 0, 0.5, 0})) == 0.0);
}

TEST_CASE("average similarity is me-vgs's mean and std of the cosines with a zeroed diagonal over N squared") {
  // (1, 0), (0, 2), (3, 3): cosines 0, 1/sqrt 2, 1/sqrt 2. The 3 x 3 matrix with a zero diagonal has
  // 4 entries 1/sqrt 2 and 5 zeros: mean 4 / (9 sqrt 2) = 2 sqrt 2 / 9 = 0.31427 (over distinct
  // pairs it would be sqrt 2 / 3); mean of squares 4 * 0.5 / 9 = 2/9, variance 2/9 - 8/81 = 10/81,
  // std sqrt 10 / 9 = 0.35136.
  auto stats = metrics::average_similarity(rows({1, 0, 0, 2, 3, 3}));
  CHECK(stats.mean == Approx(2 * std::sqrt(2.0) / 9).epsilon(1e-12));
  CHECK(stats.std == Approx(std::sqrt(10.0) / 9).epsilon(1e-12));
  // Two opposite rows: the matrix [[0, -1], [-1, 0]]: mean -0.5, std 0.5.
  auto opposite = metrics::average_similarity(rows({1, 1, -2, -2}, at::kFloat));
  CHECK(opposite.mean == Approx(-0.5).epsilon(1e-6));
  CHECK(opposite.std == Approx(0.5).epsilon(1e-6));
}

TEST_CASE("centroid distance compares the normalised mean unit rows") {
  // a: (2, 0), (0, 3) -> mean unit (.5, .5) -> (1, 1) / sqrt 2; b: (-1, 0), (0, -4) -> -(1, 1) / sqrt 2;
  // distance |(2, 2) / sqrt 2| = 2 (modality_gap, on the raw means, gives sqrt 2 for the same rows).
  CHECK(metrics::centroid_distance(rows({2, 0, 0, 3}), rows({-1, 0, 0, -4})) == Approx(2.0).epsilon(1e-12));
  CHECK(metrics::centroid_distance(rows({2, 0}), rows({1, 0, 5, 0})) == 0.0);
}

TEST_CASE("spread is the mean distance of the unit rows to their normalised mean") {
  // (2, 0), (0, 3) -> (1, 0), (0, 1); normalised mean c = (1, 1) / sqrt 2; |(1, 0) - c|^2 =
  // (1 - 1/sqrt 2)^2 + 1/2 = 2 - sqrt 2, the same for (0, 1): spread sqrt(2 - sqrt 2) = 0.76537.
  CHECK(metrics::spread(rows({2, 0, 0, 3})) == Approx(std::sqrt(2 - std::sqrt(2.0))).epsilon(1e-12));
  // One row, or rows of one direction: no spread.
  CHECK(metrics::spread(rows({3, 4})) == Approx(0.0).margin(1e-15));
  CHECK(metrics::spread(rows({1, 1, 2, 2})) == Approx(0.0).margin(1e-15));
}

TEST_CASE("per word geometry gives distance and spreads for the words seen in both modalities") {
  // dog as in the tests above: distance 2, both spreads sqrt(2 - sqrt 2); cat one row each, same
  // direction: all 0; bird has no images, fish no audio: left out.
  auto audio = rows({2, 0, 1, 0, 0, 3, 0, 1});
  auto images = rows({-1, 0, 5, 0, 0, -4, 1, 1});
  auto words = metrics::per_word_geometry(audio, {"dog", "cat", "dog", "bird"}, images, {"dog", "cat", "dog", "fish"});
  REQUIRE(words.size() == 2);
  const metrics::WordGeometry& dog = words.at("dog");
  CHECK(dog.audio_items == 2);
  CHECK(dog.image_items == 2);
  CHECK(dog.centroid_distance == Approx(2.0).epsilon(1e-12));
  CHECK(dog.audio_spread == Approx(std::sqrt(2 - std::sqrt(2.0))).epsilon(1e-12));
  CHECK(dog.image_spread == Approx(std::sqrt(2 - std::sqrt(2.0))).epsilon(1e-12));
  const metrics::WordGeometry& cat = words.at("cat");
  CHECK(cat.audio_items == 1);
  CHECK(cat.centroid_distance == Approx(0.0).margin(1e-15));
  CHECK(cat.audio_spread == Approx(0.0).margin(1e-15));
}

TEST_CASE("pca projects onto sign fixed components with their variance ratios") {
  // (2, 0), (-2, 0), (0, 1), (0, -1) shifted by (5, 7), which centring removes. Variances: x
  // (4 + 4) / 3 = 8/3, y (1 + 1) / 3 = 2/3, total 10/3 -> ratios 0.8, 0.2. Components (1, 0) and
  // (0, 1), each largest loading made positive, so the points are the centred coordinates.
  for (double sign : {1.0, -1.0}) {  // mirrored input: the same components, mirrored points
    INFO(sign);
    auto x = rows({2, 0, -2, 0, 0, 1, 0, -1}) * sign + rows({5, 7});
    auto p = metrics::pca(x.to(at::kFloat), 2);
    REQUIRE(p.points.sizes() == torch::IntArrayRef{4, 2});
    CHECK(p.points.scalar_type() == at::kDouble);
    REQUIRE(p.explained_variance_ratio.size() == 2);
    CHECK(p.explained_variance_ratio[0] == Approx(0.8).epsilon(1e-12));
    CHECK(p.explained_variance_ratio[1] == Approx(0.2).epsilon(1e-12));
    auto expected = rows({2, 0, -2, 0, 0, 1, 0, -1}) * sign;
    CHECK((p.points - expected).abs().max().item<double>() < 1e-12);
  }
  auto first = metrics::pca(rows({2, 0, -2, 0, 0, 1, 0, -1}), 1);
  CHECK(first.points.sizes() == torch::IntArrayRef{4, 1});
  REQUIRE(first.explained_variance_ratio.size() == 1);
  CHECK(first.explained_variance_ratio[0] == Approx(0.8).epsilon(1e-12));
}

TEST_CASE("geometry functions refuse too few rows and bad shapes with clear errors") {
  auto error = [](const std::function<void()>& f) { return test::error_of(f); };
  CHECK(error([] { metrics::total_variance(rows({1, 0})); }) == "total_variance: x needs at least 2 rows, got [1, 2]");
  CHECK(error([] { metrics::total_variance(torch::ones({4})); }) ==
        "total_variance: x must be floating point [N, E], got [4]");
  CHECK(error([] { metrics::within_class_variance(rows({1, 0, 0, 1}), {"a", "b"}); }) ==
        "within_class_variance: no label has at least 2 rows");
  CHECK(error([] { metrics::within_class_variance(rows({1, 0, 0, 1}), {"a"}); }) ==
        "within_class_variance: one label per row of x needed, got 1 labels for 2 rows");
  CHECK(error([] { metrics::per_word_geometry(rows({1, 0}), {"a"}, rows({1, 0}), {}); }) ==
        "per_word_geometry: one label per row of images needed, got 0 labels for 1 rows");
  CHECK(error([] { metrics::per_word_geometry(rows({1, 0}), {"a"}, torch::ones({1, 3}, torch::kDouble), {"a"}); }) ==
        "per_word_geometry: audio and images must have the same embedding size, got audio [1, 2] and images [1, 3]");
  CHECK(error([] { metrics::centroid_distance(rows({1, 0}), torch::ones({1, 3}, torch::kDouble)); }) ==
        "centroid_distance: a and b must have the same embedding size, got a [1, 2] and b [1, 3]");
  CHECK(error([] { metrics::spread(torch::zeros({0, 2})); }) == "spread: x needs at least one row, got [0, 2]");
  CHECK(error([] { metrics::modality_gap(rows({1, 0}), torch::ones({1, 3}, torch::kDouble)); }) ==
        "modality_gap: a and b must have the same embedding size, got a [1, 2] and b [1, 3]");
  CHECK(error([] { metrics::modality_gap(rows({1, 0}), torch::zeros({0, 2})); }) ==
        "modality_gap: b needs at least one row, got [0, 2]");
  CHECK_THAT(error([] { metrics::average_similarity(rows({1, 0})); }), Contains("needs at least 2 rows"));
  CHECK(error([] { metrics::pca(rows({1, 0, 0, 1, 1, 1}), 3); }) == "pca: k must be in 1..2 for x [3, 2], got 3");
  CHECK(error([] { metrics::pca(rows({1, 0, 0, 1, 1, 1}), 0); }) == "pca: k must be in 1..2 for x [3, 2], got 0");
}
