// Times metrics::tsne (exact) on N random rows of E dims in C clusters: prints seconds, the KL
// divergence and the load average as JSON, for docs/performance.md. Usage: bench_tsne N E C
#include <torch/torch.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <string>

#include "vgs/metrics/tsne.h"

using namespace vgs;

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: bench_tsne N E C\n";
    return 2;
  }
  const int64_t n = std::stoll(argv[1]), dim = std::stoll(argv[2]), clusters = std::stoll(argv[3]);
  torch::manual_seed(0);
  const at::Tensor label = torch::arange(n, torch::kLong) % clusters;
  const at::Tensor x = torch::randn({n, dim}, torch::kDouble) +
                       2 * torch::randn({clusters, dim}, torch::kDouble).index_select(0, label);
  std::string load;
  std::ifstream("/proc/loadavg") >> load;
  const auto start = std::chrono::steady_clock::now();
  const metrics::TsneResult r = metrics::tsne(x);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "{\"rows\": " << n << ", \"dims\": " << dim << ", \"threads\": " << at::get_num_threads()
            << ", \"seconds\": " << seconds << ", \"kl\": " << r.kl_divergence << ", \"iterations\": " << r.iterations
            << ", \"load_before\": " << load << "}\n";
  return 0;
}
