// Tests of the c10d layer with real Gloo groups of 2 and 3 ranks, as threads of this process: ranks
// from the environment, the collectives, and the gather with gradient under the local losses, whose
// gradients averaged over ranks must equal those of one process holding the whole batch.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <cmath>
#include <cstdlib>
#include <functional>
#include <thread>

#include "tests/support/ranks.h"
#include "tests/support/temp_dir.h"
#include "vgs/dist/gather.h"
#include "vgs/dist/group.h"
#include "vgs/dist/shares.h"
#include "vgs/dist/world.h"
#include "vgs/losses/infonce.h"

using namespace vgs;
using test::on_ranks;

namespace {

// Sets (or, for nullptr, clears) environment variables for one test.
void set_environment(std::initializer_list<std::pair<const char*, const char*>> variables) {
  for (const char* name : {"WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT", "SLURM_NTASKS",
                           "SLURM_PROCID", "SLURM_LOCALID", "SLURM_JOB_NODELIST", "SLURM_JOB_ID"})
    ::unsetenv(name);
  for (const auto& [name, value] : variables) ::setenv(name, value, 1);
}

// Gradients of (audio, image) under `loss` of the whole batch: the single-process reference.
std::pair<at::Tensor, at::Tensor> reference_gradients(
    const at::Tensor& audio, const at::Tensor& image,
    const std::function<losses::LossOutput(const at::Tensor&, const at::Tensor&)>& loss) {
  at::Tensor a = audio.clone().requires_grad_(true), i = image.clone().requires_grad_(true);
  loss(a, i).total.backward();
  return {a.grad(), i.grad()};
}

}  // namespace

TEST_CASE("ranks come from torchrun variables or from Slurm's") {
  set_environment({{"WORLD_SIZE", "4"}, {"RANK", "3"}, {"LOCAL_RANK", "1"}, {"MASTER_ADDR", "node7"}, {"MASTER_PORT", "4000"}});
  dist::WorldInfo w = dist::world_from_environment();
  CHECK((w.rank == 3 && w.size == 4 && w.local_rank == 1 && w.master_addr == "node7" && w.master_port == 4000));
  set_environment({{"SLURM_NTASKS", "8"}, {"SLURM_PROCID", "5"}, {"SLURM_LOCALID", "1"},
                   {"SLURM_JOB_NODELIST", "gpu[03-06,9]"}, {"SLURM_JOB_ID", "123456"}});
  w = dist::world_from_environment();
  CHECK((w.rank == 5 && w.size == 8 && w.local_rank == 1 && w.master_addr == "gpu03" && w.master_port == 23456));
  CHECK(w.source == "Slurm");
  set_environment({});
  CHECK_FALSE(dist::world_from_environment().distributed());
  set_environment({{"WORLD_SIZE", "2"}, {"RANK", "2"}});
  CHECK(test::error_of([] { dist::world_from_environment(); }) == "environment: RANK=2 is not below the world size 2");
  set_environment({{"WORLD_SIZE", "two"}, {"RANK", "0"}});
  CHECK(test::error_of([] { dist::world_from_environment(); }) == "environment: WORLD_SIZE='two' is not an integer >= 1");
  set_environment({});
  CHECK(dist::first_host_of_nodelist("node7") == "node7");
  CHECK(dist::first_host_of_nodelist("a1,b[1-2]") == "a1");
  CHECK(dist::first_host_of_nodelist("cpu[010-012]") == "cpu010");
}

TEST_CASE("Gloo collectives on three ranks: sum, broadcast, gather, any, mean, rank 0 first") {
  on_ranks(3, [](dist::Group& g) {
    at::Tensor x = at::full({2}, static_cast<float>(g.rank() + 1));
    g.all_reduce_sum_(x);
    test::expect_on_rank(x.equal(at::full({2}, 6.0f)), "all_reduce_sum_ to give 6");
    at::Tensor y = at::full({3}, static_cast<float>(g.rank()));
    g.broadcast_(y, 2);
    test::expect_on_rank(y.equal(at::full({3}, 2.0f)), "broadcast_ from rank 2");
    test::expect_on_rank(g.all_gather(at::full({1}, static_cast<float>(g.rank()))).view({-1}).equal(at::arange(3).to(at::kFloat)),
                         "all_gather in rank order");
    test::expect_on_rank(g.any(g.rank() == 1), "any to see rank 1's true");
    test::expect_on_rank(!g.any(false), "any of all false to be false");
    test::expect_on_rank(std::abs(g.mean(static_cast<double>(g.rank())) - 1.0) < 1e-12, "mean of the ranks to be 1");
    int order = 0;
    g.main_first("test", [&] { order = g.is_main() ? 1 : 2; });
    test::expect_on_rank(order == (g.is_main() ? 1 : 2), "main_first to run the body on every rank");
  });
}

TEST_CASE("local in-batch and shared-negative losses over 2 and 3 ranks give the single-process gradients") {
  torch::manual_seed(0);
  const int64_t n = 7, dim = 5;  // 7 items: shares of 3 and 4, or 2, 2 and 3
  at::Tensor audio = torch::nn::functional::normalize(torch::randn({n, dim}), torch::nn::functional::NormalizeFuncOptions().dim(1));
  at::Tensor image = torch::nn::functional::normalize(torch::randn({n, dim}), torch::nn::functional::NormalizeFuncOptions().dim(1));
  at::Tensor scale = torch::tensor(10.0);
  at::Tensor negatives_i = torch::randint(0, n, {n, 3}, at::kLong), negatives_a = torch::randint(0, n, {n, 3}, at::kLong);
  for (bool shared : {false, true}) {
    auto whole = [&](const at::Tensor& a, const at::Tensor& i) {
      return shared ? losses::infonce_sampled_shared(a, i, negatives_i, negatives_a, scale) : losses::infonce_in_batch(a, i, scale);
    };
    const auto [want_audio, want_image] = reference_gradients(audio, image, whole);
    for (int ranks : {2, 3}) {
      INFO((shared ? "shared negatives, " : "in-batch, ") << ranks << " ranks");
      on_ranks(ranks, [&](dist::Group& g) {
        const std::vector<int64_t> counts = dist::share_counts(n, ranks);
        const int64_t first = dist::share_begin(n, g.rank(), ranks), count = counts[static_cast<size_t>(g.rank())];
        at::Tensor a = audio.narrow(0, first, count).clone().requires_grad_(true);
        at::Tensor i = image.narrow(0, first, count).clone().requires_grad_(true);
        at::Tensor all_a = dist::all_gather_rows_with_grad(a, counts, g), all_i = dist::all_gather_rows_with_grad(i, counts, g);
        losses::LossOutput local =
            shared ? losses::infonce_sampled_shared_rows(all_a, all_i, negatives_i.narrow(0, first, count),
                                                         negatives_a.narrow(0, first, count), first, scale)
                   : losses::infonce_in_batch_rows(a, i, all_a, all_i, first, scale);
        // This rank's share (count * W / n), then the trainer's average over ranks.
        (local.total * (static_cast<double>(count * ranks) / n)).backward();
        at::Tensor grads = at::cat({a.grad(), i.grad()});
        const double mean = g.mean(local.total.item<double>() * count / n * ranks), one = whole(audio, image).total.item<double>();
        test::expect_on_rank(std::abs(mean - one) <= 1e-5 * std::abs(one), "the ranks' mean loss to be one process's");
        at::Tensor want = at::cat({want_audio.narrow(0, first, count), want_image.narrow(0, first, count)});
        test::expect_on_rank((grads / ranks - want).abs().max().item<double>() < 1e-6, "each rank's gradient share to be one process's");
      });
    }
  }
}
