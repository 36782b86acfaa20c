// Tests of RDMs, RSA, the correlations, Procrustes and exemplar aggregation (vgs/metrics/rsa.h):
// scipy's values (tests/python/ref_measures.py) on random matrices, and hand-made cases.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <cmath>
#include <functional>

#include "tests/metrics/embedding_rows.h"
#include "tests/metrics/measures_reference.h"
#include "vgs/metrics/rsa.h"

using namespace vgs;

using test::rows;

TEST_CASE("rdm and rsa agree with scipy pdist and spearmanr") {
  torch::manual_seed(67);
  const at::Tensor x = torch::randn({15, 6}, torch::kDouble) + 0.5;
  const at::Tensor y = x + 0.8 * torch::randn({15, 6}, torch::kDouble);  // a noisy copy: RSA well above 0
  const io::StateDict ref = test::measures_reference({{"rsa_x", x}, {"rsa_y", y}});
  for (const auto& [name, metric] : {std::pair{std::string("correlation"), metrics::RdmMetric::correlation},
                                     std::pair{std::string("cosine"), metrics::RdmMetric::cosine},
                                     std::pair{std::string("euclidean"), metrics::RdmMetric::euclidean}}) {
    INFO(name);
    const at::Tensor d = metrics::rdm(x, metric);
    CHECK(test::max_abs_diff(d, ref.at("rdm_" + name)) < 1e-10);
    CHECK(d.diagonal().abs().max().item<double>() == 0.0);
    const double r = metrics::rsa(d, metrics::rdm(y, metric));
    CHECK(r == Approx(ref.at("rsa_" + name).item<double>()).margin(1e-10));
    CHECK(r > 0.3);
  }
  // Rounded to one decimal the distances tie a lot: average ranks, as scipy's rankdata.
  auto rounded = [](const at::Tensor& m) { return torch::round(m * 10) / 10; };
  const double tied = metrics::rsa(rounded(metrics::rdm(x, metrics::RdmMetric::correlation)),
                                   rounded(metrics::rdm(y, metrics::RdmMetric::correlation)));
  CHECK(tied == Approx(ref.at("rsa_rounded").item<double>()).margin(1e-10));
}

TEST_CASE("spearman and pearson agree with scipy on vectors with ties") {
  const std::vector<double> a = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5}, b = {2, 7, 1, 8, 2, 8, 1, 8, 2, 8, 4};
  const io::StateDict ref = test::measures_reference(
      {{"vec_a", torch::tensor(a, torch::kDouble)}, {"vec_b", torch::tensor(b, torch::kDouble)}});
  CHECK(metrics::spearman(a, b) == Approx(ref.at("spearman").item<double>()).margin(1e-12));
  CHECK(metrics::pearson(a, b) == Approx(ref.at("pearson").item<double>()).margin(1e-12));
  // Hand values: a perfect monotone but not linear relation; a constant vector has no correlation.
  CHECK(metrics::spearman({1, 2, 3, 4}, {1, 4, 9, 100}) == Approx(1.0).margin(1e-15));
  CHECK(metrics::pearson({1, 2, 3}, {2, 4, 6}) == Approx(1.0).margin(1e-15));
  CHECK(std::isnan(metrics::pearson({1, 2, 3}, {5, 5, 5})));
  CHECK(std::isnan(metrics::spearman({1, NAN, 3}, {1, 2, 3})));
}

TEST_CASE("procrustes agrees with scipy orthogonal_procrustes and procrustes") {
  torch::manual_seed(71);
  const at::Tensor x = torch::randn({20, 5}, torch::kDouble);
  const at::Tensor rotation = std::get<0>(torch::linalg_qr(torch::randn({5, 5}, torch::kDouble)));
  const at::Tensor y = 2 * at::matmul(x, rotation) + 0.3 * torch::randn({20, 5}, torch::kDouble) + 1;
  const io::StateDict ref = test::measures_reference({{"pro_x", x}, {"pro_y", y}});
  const metrics::ProcrustesResult r = metrics::procrustes(x, y);
  CHECK(test::max_abs_diff(r.rotation, ref.at("pro_rotation")) < 1e-10);
  CHECK(test::max_abs_diff(at::matmul(r.rotation.t(), r.rotation), torch::eye(5, torch::kDouble)) < 1e-12);
  CHECK(r.residual == Approx(ref.at("pro_residual").item<double>()).margin(1e-10));
  CHECK(r.scale_free_disparity == Approx(ref.at("pro_disparity").item<double>()).margin(1e-10));
  CHECK(r.scale_free_disparity < 0.1);  // y is x rotated, scaled, shifted and a little noisy
  CHECK(metrics::procrustes(y, x).scale_free_disparity == Approx(r.scale_free_disparity).margin(1e-12));  // symmetric
  // x rotated exactly: the rotation is found and nothing is left.
  const metrics::ProcrustesResult exact = metrics::procrustes(x, at::matmul(x, rotation));
  CHECK(test::max_abs_diff(exact.rotation, rotation) < 1e-12);
  CHECK(exact.residual == Approx(0.0).margin(1e-12));
  CHECK(exact.scale_free_disparity == Approx(0.0).margin(1e-12));
}

TEST_CASE("aggregate exemplars averages each concept in first seen order") {
  // dog: (1, 2), (3, 4) -> (2, 3); cat: (0, 0), (0, 6), (3, 0) -> (1, 2); emu: (5, 5).
  const auto x = rows({1, 2, 0, 0, 3, 4, 0, 6, 5, 5, 3, 0}, at::kFloat);
  std::vector<std::string> concepts;
  const at::Tensor means = metrics::aggregate_exemplars(x, {"dog", "cat", "dog", "cat", "emu", "cat"}, &concepts);
  CHECK(concepts == std::vector<std::string>{"dog", "cat", "emu"});
  CHECK(means.scalar_type() == torch::kDouble);
  CHECK(test::max_abs_diff(means, rows({2, 3, 1, 2, 5, 5})) < 1e-12);
  CHECK(metrics::aggregate_exemplars(x, {"a", "a", "a", "a", "a", "a"}, nullptr).sizes() == torch::IntArrayRef{1, 2});
}

TEST_CASE("rsa measures refuse bad shapes with clear errors") {
  auto error = [](const std::function<void()>& f) { return test::error_of(f); };
  const at::Tensor square = torch::zeros({4, 4}, torch::kDouble);
  CHECK(error([&] { metrics::rdm(torch::ones({1, 3}, torch::kDouble), metrics::RdmMetric::cosine); }) ==
        "rdm: x needs at least 2 rows, got [1, 3]");
  CHECK(error([&] { metrics::rsa(square, torch::zeros({4, 3}, torch::kDouble)); }) ==
        "rsa: rdm_b must be a floating point [N, N] matrix with N >= 3, got [4, 3]");
  CHECK(error([&] { metrics::rsa(square, torch::zeros({5, 5}, torch::kDouble)); }) ==
        "rsa: rdm_a and rdm_b must be of the same items, got [4, 4] and [5, 5]");
  CHECK(error([] { metrics::spearman({1, 2}, {1, 2, 3}); }) == "spearman: a and b must have the same length, at least 2, got 2 and 3");
  CHECK(error([] { metrics::pearson({1}, {1}); }) == "pearson: a and b must have the same length, at least 2, got 1 and 1");
  CHECK(error([] { metrics::procrustes(rows({1, 2, 3, 4}), rows({1, 2, 3, 4, 5, 6})); }) ==
        "procrustes: x and y must have the same shape, got x [2, 2] and y [3, 2]");
  CHECK(error([] { metrics::procrustes(rows({1, 2, 1, 2}), rows({1, 2, 3, 4})); }) ==
        "procrustes: x needs more than one distinct row");
  CHECK(error([] { metrics::aggregate_exemplars(rows({1, 2}), {}, nullptr); }) ==
        "aggregate_exemplars: one label per row of x needed, got 0 labels for 1 rows");
}
