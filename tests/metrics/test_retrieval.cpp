// Tests of the retrieval metrics (vgs/metrics/retrieval.h) on hand-picked 2-d unit embeddings.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include "tests/support/temp_dir.h"
#include "vgs/metrics/retrieval.h"

using namespace vgs;
using Catch::Contains;

namespace {

at::Tensor rows(std::vector<double> values, at::ScalarType dtype = at::kDouble) {
  return torch::tensor(values, torch::kDouble).view({-1, 2}).to(dtype);
}

// g0 = (1, 0), g1 = (0.6, 0.8), g2 = (0, 1), g3 = (-0.6, 0.8), g4 = (-1, 0), g5 = (0, -1).
at::Tensor six_gallery(at::ScalarType dtype) { return rows({1, 0, 0.6, 0.8, 0, 1, -0.6, 0.8, -1, 0, 0, -1}, dtype); }

}  // namespace

TEST_CASE("retrieval ranks each query by its best relevant gallery item") {
  for (auto dtype : {at::kFloat, at::kDouble}) {
    INFO(dtype);
    auto queries = rows({1, 0, /**/ 1, 0, /**/ 0, 1, /**/ 0, -1}, dtype);
    // q0 = (1, 0), scores [1, .6, 0, -.6, -1, 0]; relevant {0}: nothing above 1          -> rank 1
    // q1 = (1, 0), relevant {2}: score 0; above it 1 and .6 (g5's tie 0 does not count)   -> rank 3
    // q2 = (0, 1), scores [0, .8, 1, .8, 0, -1]; relevant {4, 3}: best .8 (g3); above: g2 -> rank 2
    // q3 = (0, -1), scores [0, -.8, -1, -.8, 0, 1]; relevant {2}: -1; above: the other 5 -> rank 6
    auto r = metrics::retrieval(queries, six_gallery(dtype), {{0}, {2}, {4, 3}, {2}});
    CHECK(r.queries == 4);
    CHECK(r.r1 == 0.25);           // rank 1 only: 1 of 4
    CHECK(r.r5 == 0.75);           // ranks 1, 3, 2: 3 of 4
    CHECK(r.r10 == 1.0);           // all 4
    CHECK(r.mean_rank == 3.0);     // (1 + 3 + 2 + 6) / 4 = 12 / 4
    CHECK(r.median_rank == 2.5);   // sorted 1, 2, 3, 6: (2 + 3) / 2
  }
}

TEST_CASE("retrieval by label counts any gallery item with the query's label as relevant") {
  // gallery: g0 = (1, 0) "a", g1 = (0, 1) "b", g2 = (0.6, 0.8) "a", g3 = (0, -1) "c"
  auto gallery = rows({1, 0, 0, 1, 0.6, 0.8, 0, -1});
  auto queries = rows({1, 0, /**/ 0, 1, /**/ -1, 0});
  // q0 = (1, 0) "a": scores [1, 0, .6, 0]; relevant {0, 2}, best 1      -> rank 1
  // q1 = (0, 1) "b": scores [0, 1, .8, -1]; relevant {1}, 1              -> rank 1
  // q2 = (-1, 0) "a": scores [-1, 0, -.6, 0]; best relevant -.6 (g2); above it g1 and g3 (0) -> rank 3
  auto r = metrics::retrieval_by_label(queries, {"a", "b", "a"}, gallery, {"a", "b", "a", "c"});
  CHECK(r.queries == 3);
  CHECK(r.r1 == Approx(2.0 / 3));       // ranks 1, 1 of 1, 1, 3
  CHECK(r.r5 == 1.0);
  CHECK(r.r10 == 1.0);
  CHECK(r.mean_rank == Approx(5.0 / 3));  // (1 + 1 + 3) / 3
  CHECK(r.median_rank == 1.0);            // sorted 1, 1, 3: the middle one
}

TEST_CASE("retrieval ranks beyond ten and a one item gallery") {
  // Twelve gallery items along the x axis at 12, 11, ..., 1; the query (1, 0) wants the last (score 1):
  // 11 items score higher -> rank 12, outside R@10.
  std::vector<double> values;
  for (int i = 12; i >= 1; --i) values.insert(values.end(), {static_cast<double>(i), 0.0});
  auto r = metrics::retrieval(rows({1, 0}), rows(values), {{11}});
  CHECK(r.mean_rank == 12.0);
  CHECK(r.median_rank == 12.0);
  CHECK(r.r10 == 0.0);
  auto single = metrics::retrieval(rows({1, 0}), rows({-1, 0}), {{0}});
  CHECK(single.r1 == 1.0);
  CHECK(single.mean_rank == 1.0);
}

TEST_CASE("retrieval over more queries than one scoring block equals its parts") {
  // 1100 queries are scored in two blocks (1024 + 76); the same queries in two calls of one block
  // each must give the same ranks: the means weighted by the query counts agree.
  torch::manual_seed(3);
  const int64_t Q = 1100, G = 30;
  auto queries = torch::randn({Q, 8}, torch::kDouble), gallery = torch::randn({G, 8}, torch::kDouble);
  std::vector<std::vector<int64_t>> relevant;
  for (int64_t q = 0; q < Q; ++q) relevant.push_back({q % G, (q * 7) % G});
  auto all = metrics::retrieval(queries, gallery, relevant);
  const int64_t split = 600;
  auto head = metrics::retrieval(queries.narrow(0, 0, split), gallery, {relevant.begin(), relevant.begin() + split});
  auto tail = metrics::retrieval(queries.narrow(0, split, Q - split), gallery, {relevant.begin() + split, relevant.end()});
  auto weighted = [&](double a, double b) { return (a * split + b * (Q - split)) / Q; };
  CHECK(all.queries == Q);
  CHECK(all.mean_rank == Approx(weighted(head.mean_rank, tail.mean_rank)).epsilon(1e-12));
  CHECK(all.r1 == Approx(weighted(head.r1, tail.r1)).epsilon(1e-12));
  CHECK(all.r10 == Approx(weighted(head.r10, tail.r10)).epsilon(1e-12));
}

TEST_CASE("retrieval refuses bad inputs with clear errors") {
  auto q = rows({1, 0, 0, 1}), g = six_gallery(at::kDouble);
  auto error = [](const std::function<void()>& f) { return test::error_of(f); };
  CHECK(error([&] { metrics::retrieval(q, torch::randn({6, 3}, torch::kDouble), {{0}, {1}}); }) ==
        "retrieval: queries and gallery must have the same embedding size, got queries [2, 2] and gallery [6, 3]");
  CHECK(error([&] { metrics::retrieval(torch::zeros({0, 2}), g, {}); }) == "retrieval: queries must have at least one row, got [0, 2]");
  CHECK(error([&] { metrics::retrieval(q, torch::zeros({0, 2}), {{0}, {1}}); }) ==
        "retrieval: gallery must have at least one row, got [0, 2]");
  CHECK(error([&] { metrics::retrieval(torch::ones({2}), g, {{0}, {1}}); }) ==
        "retrieval: queries must be floating point [rows, E], got [2]");
  CHECK(error([&] { metrics::retrieval(q, g, {{0}}); }) ==
        "retrieval: one list of relevant gallery rows per query needed, got 1 lists for 2 queries");
  CHECK(error([&] { metrics::retrieval(q, g, {{0}, {}}); }) == "retrieval: query 1 has no relevant gallery row");
  CHECK(error([&] { metrics::retrieval(q, g, {{0}, {6}}); }) ==
        "retrieval: query 1's relevant row 6 is outside the gallery's 6 rows (0..5)");
  CHECK(error([&] { metrics::retrieval_by_label(q, {"a", "z"}, g, {"a", "b", "c", "d", "e", "f"}); }) ==
        "retrieval_by_label: query 1's label \"z\" has no row in the gallery");
  CHECK(error([&] { metrics::retrieval_by_label(q, {"a"}, g, {"a", "b", "c", "d", "e", "f"}); }) ==
        "retrieval_by_label: one label per query needed, got 1 labels for 2 queries");
  CHECK_THAT(error([&] { metrics::retrieval_by_label(q, {"a", "b"}, g, {"a", "b"}); }),
             Contains("one label per gallery row needed, got 2 labels for 6 rows"));
  CHECK_THAT(error([&] { metrics::retrieval_by_label(q, {"a", "b"}, torch::zeros({0, 2}), {}); }),
             Contains("retrieval_by_label: gallery must have at least one row"));
}
