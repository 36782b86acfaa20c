// vgs-info's report: versions, BLAS, threads, CUDA/NCCL and a measured matmul rate.
#include "vgs/cli/system_report.h"

#include <torch/torch.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "vgs/core/version.h"

namespace vgs::cli {

namespace {
// "BLAS_INFO=mkl" -> "mkl", from LibTorch's build configuration string.
std::string config_value(const std::string& config, const std::string& key) {
  size_t at = config.find(key + "=");
  if (at == std::string::npos) return "?";
  size_t begin = at + key.size() + 1;
  return config.substr(begin, config.find_first_of(",\n", begin) - begin);
}
}  // namespace

double expected_peak_gflops(int threads) {
  std::ifstream in("/proc/cpuinfo");
  std::string line, flags;
  double mhz = 0;
  while (std::getline(in, line)) {
    if (flags.empty() && line.rfind("flags", 0) == 0) flags = line;
    if (mhz == 0 && line.rfind("cpu MHz", 0) == 0) mhz = std::atof(line.substr(line.find(':') + 1).c_str());
  }
  if (mhz <= 0 || flags.empty()) return 0;
  // fp32 flops per cycle per core: two FMA units of 16 (AVX-512), 8 (AVX2) or 4 (SSE) lanes.
  double per_cycle = flags.find(" avx512f") != std::string::npos ? 64
                     : flags.find(" fma") != std::string::npos  ? 32
                                                                : 8;
  return threads * mhz * 1e-3 * per_cycle;
}

MatmulMeasurement measure_matmul(int size, double seconds) {
  torch::NoGradGuard no_grad;
  auto a = torch::randn({size, size}), b = torch::randn({size, size});
  torch::mm(a, b);  // warm-up: thread pools, page faults
  int runs = 0;
  auto start = std::chrono::steady_clock::now();
  double elapsed = 0;
  while (elapsed < seconds || runs < 3) {
    auto c = torch::mm(a, b);
    ++runs;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  MatmulMeasurement m;
  m.size = size;
  m.gflops = 2.0 * size * size * static_cast<double>(size) * runs / elapsed * 1e-9;
  m.expected_gflops = expected_peak_gflops(at::get_num_threads());
  return m;
}

std::string system_report(bool measure) {
  std::ostringstream out;
  const std::string config = at::show_config();
  out << "vgs " << VGS_VERSION << " (" << (*VGS_GIT_REVISION ? VGS_GIT_REVISION : "unknown revision") << ")\n";
  out << "LibTorch " << TORCH_VERSION << ", built " << (VGS_WITH_CUDA_BUILD ? "with" : "without")
      << " the CUDA code paths\n";
  out << "BLAS: " << config_value(config, "BLAS_INFO") << ", LAPACK: " << config_value(config, "LAPACK_INFO")
      << ", CPU capability: " << at::get_cpu_capability() << "\n";
  out << "threads: intra-op " << at::get_num_threads() << ", inter-op " << at::get_num_interop_threads()
      << " (OMP_NUM_THREADS / MKL_NUM_THREADS change them)\n";
  int devices = torch::cuda::is_available() ? static_cast<int>(torch::cuda::device_count()) : 0;
  out << "CUDA devices: " << devices << (devices ? "" : " (training runs on the CPU)") << "\n";
  out << "NCCL: " << (config_value(config, "USE_NCCL") == "1" ? "built into LibTorch" : "not in LibTorch")
      << ", Gloo: " << (config_value(config, "USE_GLOO") == "ON" ? "built into LibTorch" : "not in LibTorch") << "\n";
  if (measure) {
    MatmulMeasurement m = measure_matmul();
    out << "fp32 matmul " << m.size << "x" << m.size << ": " << static_cast<int>(m.gflops) << " GFLOP/s";
    if (m.expected_gflops > 0) out << " (processor peak about " << static_cast<int>(m.expected_gflops) << ")";
    out << "\n";
    // A reference BLAS runs some 40x below an optimised one; a tenth of peak means something is off.
    if (m.expected_gflops > 0 && m.gflops < 0.1 * m.expected_gflops)
      out << "WARNING: matmul is far below what this processor should reach: check the BLAS (a "
             "reference BLAS is ~40x slower) and the thread settings above.\n";
  }
  return out.str();
}

}  // namespace vgs::cli
