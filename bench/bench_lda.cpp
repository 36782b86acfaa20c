// Times metrics::lda_leave_one_out on random clustered embeddings (N rows, E dims, C classes):
// prints seconds (wall and process CPU), the load average and the accuracy as JSON, for the LDA
// figures of docs/performance.md. Usage: bench_lda N E C [fast|refit|both]
// (both: the fast path, then the refit path, and whether their predictions are identical)
#include <torch/torch.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <iostream>
#include <string>

#include "vgs/metrics/separability.h"

using namespace vgs;

namespace {

// N rows, label i % C, each around its class mean (spread 0.3 against unit noise): classes overlap.
at::Tensor clustered_rows(int64_t n, int64_t dim, int64_t classes, std::vector<std::string>* labels) {
  torch::manual_seed(0);
  const at::Tensor label = torch::arange(n, torch::kLong) % classes;
  const at::Tensor means = 0.3 * torch::randn({classes, dim}, torch::kDouble);
  for (int64_t i = 0; i < n; ++i) labels->push_back("w" + std::to_string(label[i].item<int64_t>()));
  return torch::randn({n, dim}, torch::kDouble) + means.index_select(0, label);
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one;
  in >> one;
  return one;
}

// One call, its figures printed as a JSON line.
metrics::LdaResult timed(const at::Tensor& x, const std::vector<std::string>& labels, const metrics::LdaOptions& o,
                         const std::string& path) {
  const std::string load_before = load_average();
  const std::clock_t cpu_start = std::clock();
  const auto start = std::chrono::steady_clock::now();
  metrics::LdaResult r = metrics::lda_leave_one_out(x, labels, o);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  std::cout << "{\"rows\": " << x.size(0) << ", \"dims\": " << x.size(1) << ", \"path\": \"" << path
            << "\", \"threads\": " << at::get_num_threads() << ", \"seconds\": " << seconds
            << ", \"cpu_seconds\": " << cpu << ", \"load_before\": " << load_before
            << ", \"load_after\": " << load_average() << ", \"accuracy\": " << r.accuracy
            << ", \"refitted\": " << r.refitted << "}" << std::endl;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: bench_lda N E C [fast|refit|both]\n";
    return 2;
  }
  const int64_t n = std::stoll(argv[1]), dim = std::stoll(argv[2]), classes = std::stoll(argv[3]);
  const std::string path = argc > 4 ? argv[4] : "fast";
  std::vector<std::string> labels;
  const at::Tensor x = clustered_rows(n, dim, classes, &labels);
  metrics::LdaOptions o;
  if (path == "refit") o.path = metrics::LdaPath::refit;
  const metrics::LdaResult r = timed(x, labels, o, path == "both" ? "fast" : path);
  if (path == "both") {
    o.path = metrics::LdaPath::refit;
    const metrics::LdaResult refit = timed(x, labels, o, "refit");
    std::cout << "{\"identical_predictions\": " << (r.predictions == refit.predictions ? "true" : "false") << "}\n";
  }
  return 0;
}
