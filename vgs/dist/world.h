// Where this process stands in a data-parallel job, read from the environment the way launchers set
// it: torchrun and vgs-launch (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT) or Slurm's srun
// (SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID; the master is the first host of SLURM_JOB_NODELIST
// unless MASTER_ADDR says otherwise). No variables: one process, rank 0 of 1. No torch here.
#pragma once

#include <string>

namespace vgs::dist {

struct WorldInfo {
  int rank = 0, size = 1, local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  std::string source = "single process";  // "torchrun variables", "Slurm", for the log
  bool distributed() const { return size > 1; }
};

// vgs::Error naming the variable when one is malformed or the ranks do not fit the size.
WorldInfo world_from_environment();

// A TCP port free on 127.0.0.1 right now (for a rendezvous on this host); vgs::Error when none is.
int free_port();

// The first host of a Slurm node list: "gpu[03-05,9],cpu1" -> "gpu03"; "node7" -> "node7".
std::string first_host_of_nodelist(const std::string& nodelist);

}  // namespace vgs::dist
