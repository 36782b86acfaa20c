// Tests of nearest-centroid classification (vgs/metrics/translation.h) on hand-picked 2-d embeddings.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include "tests/metrics/embedding_rows.h"
#include "tests/support/temp_dir.h"
#include "vgs/metrics/translation.h"

using namespace vgs;
using Catch::Contains;

using test::rows;

TEST_CASE("nearest centroid uses unit centroids and breaks ties by label order") {
  for (auto dtype : {at::kFloat, at::kDouble}) {
    INFO(dtype);
    // Centroids: dog mean((3, 0), (1, 0)) = (2, 0) -> unit (1, 0); cat mean((0, -3), (0, -1)) = (0, -2)
    // -> (0, -1); bird (-0.5, 0) -> (-1, 0).
    auto train = rows({3, 0, 0, -3, -0.5, 0, 1, 0, 0, -1}, dtype);
    std::vector<std::string> train_labels{"dog", "cat", "bird", "dog", "cat"};
    auto test = rows({1.2, 0, /**/ 0, 0, /**/ -0.4, 0, /**/ 0.4, 0}, dtype);
    // t0 (1.2, 0) dog: distances dog 0.2, cat sqrt(1.44 + 1) = 1.56, bird 2.2       -> dog, right
    // t1 (0, 0) cat: distance 1 to every unit centroid, a tie -> "bird" sorts first -> bird, wrong
    // t2 (-0.4, 0) bird: bird 0.6, dog 1.4, cat sqrt(0.16 + 1) = 1.08                -> bird, right
    // t3 (0.4, 0) dog: dog 0.6, bird 1.4, cat 1.08                                    -> dog, right
    //    (with the raw means (2, 0) and (-0.5, 0) bird would win: 0.9 against dog's 1.6)
    auto r = metrics::nearest_centroid(train, train_labels, test, {"dog", "cat", "bird", "dog"});
    CHECK(r.items == 4);
    CHECK(r.correct == 3);
    CHECK(r.accuracy == 0.75);
    CHECK(r.predicted == std::vector<std::string>{"dog", "bird", "bird", "dog"});
  }
}

TEST_CASE("nearest centroid counts a target word without source rows as a miss") {
  // Source words a (1, 0) and b (0, 1); the target has "fish", never heard in the source language:
  // both its rows are wrong whatever is nearest, the a row is right. 1 of 3.
  auto train = rows({1, 0, 0, 1}), test = rows({1, 0, /**/ 0, 1, /**/ 0.9, 0.1});
  auto r = metrics::nearest_centroid(train, {"a", "b"}, test, {"fish", "fish", "a"});
  CHECK(r.items == 3);
  CHECK(r.correct == 1);
  CHECK(r.accuracy == Approx(1.0 / 3));
  CHECK(r.items_without_centroid == 2);
  CHECK(r.predicted == std::vector<std::string>{"a", "b", "a"});
}

TEST_CASE("nearest centroid refuses bad shapes with clear errors") {
  auto train = rows({1, 0, 0, 1}), test = rows({1, 0});
  auto error = [](const std::function<void()>& f) { return test::error_of(f); };
  CHECK(error([&] { metrics::nearest_centroid(train, {"a"}, test, {"a"}); }) ==
        "nearest_centroid: one train label per row needed, got 1 labels for 2 rows");
  CHECK(error([&] { metrics::nearest_centroid(train, {"a", "b"}, torch::ones({1, 3}), {"a"}); }) ==
        "nearest_centroid: train and test must have the same embedding size, got train [2, 2] and test [1, 3]");
  CHECK(error([&] { metrics::nearest_centroid(train, {"a", "b"}, torch::zeros({0, 2}), {}); }) ==
        "nearest_centroid: test must have at least one row, got [0, 2]");
  CHECK_THAT(error([&] { metrics::nearest_centroid(torch::ones({2}), {"a", "b"}, test, {"a"}); }),
             Contains("train must be floating point [rows, E], got [2]"));
}
