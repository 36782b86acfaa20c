// Tests of the silhouette coefficient and leave-one-out LDA (vgs/metrics/separability.h): a hand-made
// case, and sklearn's values (tests/python/ref_measures.py) on random clustered embeddings.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <functional>

#include "tests/metrics/embedding_rows.h"
#include "tests/metrics/measures_reference.h"
#include "vgs/metrics/separability.h"

using namespace vgs;

using test::rows;

TEST_CASE("silhouette of a hand made case follows its definition") {
  // On a line: a at 0 and 1, b at 4, c at 10 alone. Row 0: a = 1, b = min(4, 10) = 4 -> 3/4;
  // row 1: a = 1, b = min(3, 9) = 3 -> 2/3; row 2 (b, alone) and row 3 (c, alone): 0.
  const auto x = rows({0, 0, 1, 0, 4, 0, 10, 0});
  const auto s = metrics::silhouette_samples(x, {"a", "a", "b", "c"}, metrics::Distance::euclidean);
  REQUIRE(s.size() == 4);
  CHECK(s[0] == Approx(0.75).epsilon(1e-12));
  CHECK(s[1] == Approx(2.0 / 3).epsilon(1e-12));
  CHECK(s[2] == 0.0);
  CHECK(s[3] == 0.0);
  CHECK(metrics::silhouette(x, {"a", "a", "b", "c"}, metrics::Distance::euclidean) ==
        Approx((0.75 + 2.0 / 3) / 4).epsilon(1e-12));
}

TEST_CASE("silhouette agrees with sklearn for both distances with a singleton label") {
  torch::manual_seed(31);
  at::Tensor labels;
  // Label 3 has one row: its silhouette is 0 by sklearn's rule.
  const at::Tensor x = test::clustered({9, 12, 7, 1}, 6, 1.5, &labels) + 0.3;
  const io::StateDict ref = test::measures_reference({{"sil_x", x}, {"sil_labels", labels}});
  for (const auto& [name, distance] : {std::pair{std::string("cosine"), metrics::Distance::cosine},
                                       std::pair{std::string("euclidean"), metrics::Distance::euclidean}}) {
    INFO(name);
    const auto samples = metrics::silhouette_samples(x, test::label_names(labels), distance);
    CHECK(test::max_abs_diff(torch::tensor(samples, torch::kDouble), ref.at("sil_" + name + "_samples")) < 1e-6);
    CHECK(metrics::silhouette(x, test::label_names(labels), distance) ==
          Approx(ref.at("sil_" + name).item<double>()).margin(1e-6));
  }
}

namespace {

// One LDA comparison with sklearn: identical predictions, the same accuracy, the projection up to
// each column's sign. Returns the result.
metrics::LdaResult check_lda_against_sklearn(const std::vector<int64_t>& sizes, int64_t dim, double separation = 0.6) {
  at::Tensor labels;
  const at::Tensor x = test::clustered(sizes, dim, separation, &labels);
  const io::StateDict ref = test::measures_reference({{"lda_x", x}, {"lda_labels", labels}});
  const metrics::LdaResult r = metrics::lda_leave_one_out(x, test::label_names(labels), {});
  CHECK(r.predictions == test::label_names(ref.at("lda_predicted")));
  CHECK(r.accuracy == ref.at("lda_accuracy").item<double>());
  const at::Tensor expected = ref.at("lda_projection");
  REQUIRE(r.projection.sizes() == expected.sizes());
  const at::Tensor signs = (r.projection * expected).sum(0).sign();  // per column: sklearn's sign or the other
  CHECK(test::max_abs_diff(r.projection * signs, expected) < 1e-6);
  INFO("accuracy " << r.accuracy << " in [" << r.ci_low << ", " << r.ci_high << "]");
  CHECK(r.accuracy > 0.4);  // well above chance: the classes are apart, yet not all predicted right
  CHECK(r.accuracy < 1.0);
  CHECK(r.ci_low <= r.accuracy);
  CHECK(r.ci_high >= r.accuracy);
  CHECK(r.ci_low < r.ci_high);
  return r;
}

}  // namespace

TEST_CASE("lda leave one out predicts exactly as sklearn with full rank within class scatter") {
  torch::manual_seed(41);
  check_lda_against_sklearn({14, 20, 11}, 18);  // 3 classes, 45 rows, more dimensions than some classes' rows
}

TEST_CASE("lda leave one out predicts exactly as sklearn when the dimension exceeds the rows") {
  torch::manual_seed(43);
  // 4 unbalanced classes, 56 rows in 64 dimensions: the within-class scatter has rank 51 of 64, so
  // the svd solver drops directions (its tol), and the priors differ per class.
  check_lda_against_sklearn({10, 18, 13, 15}, 64);
}

TEST_CASE("lda leave one out predicts exactly as sklearn on 300 rows of 12 overlapping classes") {
  torch::manual_seed(53);
  // 300 rows in 20 dimensions, 12 classes of 14 to 36 rows: a full rank within-class scatter, so the
  // rank-one updates decide (almost) every row.
  const metrics::LdaResult r = check_lda_against_sklearn(
      {14, 20, 36, 25, 30, 18, 27, 22, 31, 24, 26, 27}, 20, 0.45);
  CHECK(r.accuracy > 0.4);
  CHECK(r.accuracy < 0.9);
  CHECK(r.refitted < 15);
}

TEST_CASE("lda leave one out predicts exactly as sklearn without a full rank within class scatter") {
  torch::manual_seed(59);
  // 90 rows in 96 dimensions, 6 classes: rank 84 of 96, every row refitted.
  const metrics::LdaResult r = check_lda_against_sklearn({12, 18, 15, 13, 17, 15}, 96, 0.6);
  CHECK(r.refitted == 90);
}

namespace {

// The predictions of both paths on one random data set; returns how many rows the fast one refitted.
int64_t check_paths_agree(const at::Tensor& x, const std::vector<std::string>& labels) {
  metrics::LdaOptions o;
  o.resamples = 1;
  const metrics::LdaResult fast = metrics::lda_leave_one_out(x, labels, o);
  o.path = metrics::LdaPath::refit;
  const metrics::LdaResult refit = metrics::lda_leave_one_out(x, labels, o);
  CHECK(refit.refitted == x.size(0));
  CHECK(fast.predictions == refit.predictions);
  CHECK(fast.accuracy > 0.2);  // neither chance nor perfect: wrong scores would show
  CHECK(fast.accuracy < 0.95);
  return fast.refitted;
}

}  // namespace

TEST_CASE("lda rank one updates predict as the refits on random data") {
  torch::manual_seed(61);
  at::Tensor labels;
  SECTION("many classes") {
    const at::Tensor x = test::clustered({9, 14, 11, 20, 8, 16, 12, 10}, 12, 0.5, &labels);
    CHECK(check_paths_agree(x, test::label_names(labels)) < 10);
  }
  SECTION("two classes (sklearn's binary rule), columns of very different scales, a shifted origin") {
    const at::Tensor x = test::clustered({40, 25}, 10, 0.4, &labels);
    const at::Tensor scales = torch::pow(10.0, torch::arange(10, torch::kDouble) - 5);
    CHECK(check_paths_agree(x * scales + 100 * scales, test::label_names(labels)) < 10);
  }
  SECTION("a class of one row (refitted: the class leaves with it) and nearly dependent columns") {
    at::Tensor x = test::clustered({1, 30, 22, 26}, 8, 0.5, &labels);
    x.select(1, 7) = x.select(1, 6) + 0.05 * x.select(1, 7);
    const int64_t refitted = check_paths_agree(x, test::label_names(labels));
    CHECK(refitted >= 1);
    CHECK(refitted < 10);
  }
}

TEST_CASE("lda bootstrap interval is fixed by its seed") {
  torch::manual_seed(47);
  at::Tensor labels;
  const at::Tensor x = test::clustered({10, 10, 10}, 5, 0.8, &labels);
  metrics::LdaOptions o;
  o.resamples = 200;
  o.seed = 5;
  const metrics::LdaResult first = metrics::lda_leave_one_out(x, test::label_names(labels), o);
  const metrics::LdaResult again = metrics::lda_leave_one_out(x, test::label_names(labels), o);
  CHECK(first.ci_low == again.ci_low);
  CHECK(first.ci_high == again.ci_high);
  o.seed = 6;
  const metrics::LdaResult other = metrics::lda_leave_one_out(x, test::label_names(labels), o);
  CHECK(other.accuracy == first.accuracy);  // the predictions do not depend on the seed
  CHECK((other.ci_low != first.ci_low || other.ci_high != first.ci_high));
  o.confidence = 0.5;  // a narrower interval, inside the 95% one of the same draws
  const metrics::LdaResult narrow = metrics::lda_leave_one_out(x, test::label_names(labels), o);
  CHECK(narrow.ci_low >= other.ci_low);
  CHECK(narrow.ci_high <= other.ci_high);
  // Two classes: the projection has one column (classes - 1), whatever components asks for.
  const auto alternate = test::label_names(torch::arange(12) % 2);
  const metrics::LdaResult two = metrics::lda_leave_one_out(x.narrow(0, 0, 12), alternate, o);
  CHECK(two.projection.sizes() == torch::IntArrayRef{12, 1});
}

TEST_CASE("separability measures refuse bad labels and options with clear errors") {
  auto error = [](const std::function<void()>& f) { return test::error_of(f); };
  const auto x = rows({0, 0, 1, 0, 4, 0, 10, 0});
  CHECK(error([&] { metrics::silhouette(x, {"a", "a", "a", "a"}, metrics::Distance::cosine); }) ==
        "silhouette: needs 2 to N - 1 distinct labels for N = 4 rows, got 1");
  CHECK(error([&] { metrics::silhouette(x, {"a", "b", "c", "d"}, metrics::Distance::cosine); }) ==
        "silhouette: needs 2 to N - 1 distinct labels for N = 4 rows, got 4");
  CHECK(error([&] { metrics::silhouette(x, {"a", "b"}, metrics::Distance::cosine); }) ==
        "silhouette: one label per row of x needed, got 2 labels for 4 rows");
  CHECK(error([&] { metrics::silhouette_samples(torch::ones({4}), {"a"}, metrics::Distance::cosine); }) ==
        "silhouette: x must be floating point [N, E], got [4]");
  CHECK(error([&] { metrics::lda_leave_one_out(x.narrow(0, 0, 3), {"a", "a", "b"}); }) ==
        "lda_leave_one_out: needs at least 2 distinct labels and more than (labels + 1) rows, got 2 labels for 3 rows");
  CHECK(error([&] { metrics::lda_leave_one_out(x, {"a", "a", "a", "a"}); }) ==
        "lda_leave_one_out: needs at least 2 distinct labels and more than (labels + 1) rows, got 1 labels for 4 rows");
  const auto five = rows({0, 0, 1, 0, 4, 0, 10, 0, 3, 3});
  metrics::LdaOptions o;
  o.confidence = 1;
  CHECK(error([&] { metrics::lda_leave_one_out(five, {"a", "a", "b", "b", "b"}, o); }) ==
        "lda_leave_one_out: confidence must be in (0, 1), got 1");
  o = {};
  o.resamples = 0;
  CHECK(error([&] { metrics::lda_leave_one_out(five, {"a", "a", "b", "b", "b"}, o); }) ==
        "lda_leave_one_out: resamples must be at least 1, got 0");
}
