// vgs-launch: runs a vgs program as N local data-parallel ranks, as torchrun does:
//   vgs-launch --nproc 2 -- vgs-train recipes/me_bilingual.yaml
#include "vgs/cli/common.h"
#include "vgs/cli/launcher.h"

int main(int argc, char** argv) {
  CLI::App app{"Run a vgs program as N local data-parallel ranks (Gloo on CPU, NCCL on GPUs)", "vgs-launch"};
  std::string log_level = "info";
  vgs::cli::LaunchOptions options;
  std::vector<std::string> command;
  vgs::cli::add_log_level_argument(app, log_level);
  app.add_option("--nproc", options.ranks, "ranks to start on this machine (one per GPU)")->required();
  app.add_option("--master-port", options.master_port, "TCP port of the rendezvous (default: a free one)");
  app.add_option("--grace", options.grace_seconds, "seconds the other ranks get to stop after one fails");
  app.add_option("command", command, "the program and its arguments, after --")->required();
  return vgs::cli::run_program(app, argc, argv, log_level, [&] { return vgs::cli::launch(command, options); });
}
