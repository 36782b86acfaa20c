// vgs-slurm's work: the sbatch script that trains a recipe on a Slurm cluster (srun launch, a stop
// signal before the time limit, requeue and resume from the run folder), and its submission.
#pragma once

#include <string>
#include <vector>

namespace vgs::cli {

struct SlurmJob {
  std::string recipe;                  // absolute path of the recipe
  std::vector<std::string> overrides;  // --set key=value for a new run (run.dir is added)
  std::string run_dir;                 // absolute; a requeued job resumes it
  std::string slurm_dir;               // absolute; job.sbatch and the jobs' logs (<job id>.out)
  std::string train_program;           // absolute path of vgs-train
  std::string job_name;
  int nodes = 1;
  int ntasks_per_node = 1;
  int gpus_per_node = 0;  // 0: no GPUs asked for
  int cpus_per_task = 0;  // 0: the cluster's default
  std::string time;       // Slurm's time limit (e.g. 2-00:00:00); empty: the partition's default
  std::string partition;  // empty: the cluster's default
  std::string account;    // empty: the user's default
  int signal_seconds = 120;  // USR1 this long before the time limit
};

// vgs::Error naming the option when a value would not make a valid script (a time Slurm cannot
// read, a partition with spaces, no tasks).
void check_slurm_job(const SlurmJob& job);

// The sbatch script for `job` (the same job gives the same text).
std::string slurm_script(const SlurmJob& job);

// `word` as one shell word: bare when it holds only safe characters, else in single quotes.
std::string shell_quote(const std::string& word);

// The folder of the running program (from /proc/self/exe): vgs-train is installed beside vgs-slurm.
std::string program_folder();

// Writes slurm_script(job) to <slurm_dir>/job.sbatch atomically and returns its path.
std::string write_slurm_script(const SlurmJob& job);

// Submits the script with `sbatch --parsable` and returns the job id; vgs::Error with sbatch's own
// message when it refuses or cannot be run.
std::string submit_with_sbatch(const std::string& script_path);

}  // namespace vgs::cli
