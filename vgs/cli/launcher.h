// vgs-launch's engine: N local ranks of one command, as torchrun starts them. Each child gets RANK,
// WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR and MASTER_PORT; SIGTERM, SIGUSR1, SIGINT
// and SIGHUP reach every rank; when one rank fails the others are stopped, so a job never hangs
// with a dead member.
#pragma once

#include <string>
#include <vector>

namespace vgs::cli {

struct LaunchOptions {
  int ranks = 1;
  int master_port = 0;       // 0: a free port of this host
  double grace_seconds = 20; // after a failure: SIGTERM to the others, SIGKILL this much later
};

// Runs `command` (program then arguments) as `ranks` processes and waits for all. Returns 0 when
// every rank exits 0; otherwise the first failing rank's exit code (128 + signal for a rank killed
// by one), or 3 when every rank stopped with 3 (a checkpoint written after a signal).
int launch(const std::vector<std::string>& command, const LaunchOptions& options);

}  // namespace vgs::cli
