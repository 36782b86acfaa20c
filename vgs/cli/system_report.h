// What vgs-info prints: versions, BLAS and threads, CUDA and NCCL, and a measured matmul rate
// compared with what the processor should reach.
#pragma once

#include <string>

namespace vgs::cli {

struct MatmulMeasurement {
  int size = 0;
  double gflops = 0;           // measured fp32 GFLOP/s
  double expected_gflops = 0;  // rough peak of the processor with the threads in use (0 = unknown)
};

MatmulMeasurement measure_matmul(int size = 1024, double seconds = 1.0);
// Rough fp32 peak: threads x clock x FMA width, from /proc/cpuinfo (0 when unknown).
double expected_peak_gflops(int threads);
std::string system_report(bool measure);

}  // namespace vgs::cli
