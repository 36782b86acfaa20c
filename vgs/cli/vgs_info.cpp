// vgs-info: what a user needs when something is slow or a bug report is due.
#include <iostream>

#include "vgs/cli/common.h"
#include "vgs/cli/system_report.h"

int main(int argc, char** argv) {
  CLI::App app{"Print versions, BLAS, threads, CUDA/NCCL and a measured matmul rate", "vgs-info"};
  bool no_benchmark = false;
  std::string log_level = "warn";
  app.add_flag("--no-benchmark", no_benchmark, "skip the matmul measurement");
  vgs::cli::add_log_level_argument(app, log_level);
  return vgs::cli::run_program(app, argc, argv, log_level, [&] {
    std::cout << vgs::cli::system_report(!no_benchmark);
    return 0;
  });
}
