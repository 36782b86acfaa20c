// vgs-slurm: trains a recipe on a Slurm cluster. Writes an sbatch script (srun launch of vgs-train,
// USR1 before the time limit, requeue and resume from the run folder) and submits it, or prints it
// with --dry-run. The recipe is checked here, so a typo fails now rather than after the queue.
#include <filesystem>
#include <iostream>

#include "vgs/cli/common.h"
#include "vgs/cli/slurm_job.h"
#include "vgs/core/error.h"
#include "vgs/core/run_options.h"
#include "vgs/recipe/recipe.h"

namespace fs = std::filesystem;

namespace {

std::string absolute(const std::string& path) { return fs::absolute(path).lexically_normal().string(); }

// The run folder and job name the recipe resolves to (--run-dir and --set included), and the
// script's paths made absolute: the job may start in another working folder.
void resolve_job(vgs::cli::SlurmJob& job, const vgs::cli::RecipeArguments& args, const std::string& run_dir) {
  if (args.recipe.empty()) throw vgs::Error("no recipe given (vgs-slurm RECIPE [options])");
  job.overrides = args.overrides;  // the script adds run.dir itself
  std::vector<std::string> overrides = args.overrides;
  if (!run_dir.empty()) overrides.push_back("run.dir=" + run_dir);
  const vgs::core::RunOptions run = vgs::core::run_options(vgs::recipe::load(args.recipe, overrides));
  job.recipe = absolute(args.recipe);
  job.run_dir = absolute(run.dir);
  // Beside the run folder, not in it: vgs-train starts a new run only in a missing or empty folder,
  // and Slurm opens the job's log before the script runs.
  job.slurm_dir = job.run_dir + ".slurm";
  job.job_name = run.name;
  job.train_program = vgs::cli::program_folder() + "/vgs-train";
  if (!fs::exists(job.train_program)) throw vgs::Error(job.train_program + ": not found (vgs-train belongs beside vgs-slurm)");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Train a recipe on a Slurm cluster: write an sbatch script and submit it", "vgs-slurm"};
  vgs::cli::RecipeArguments args;
  vgs::cli::SlurmJob job;
  std::string log_level = "warn", run_dir;
  bool dry_run = false;
  vgs::cli::add_recipe_arguments(app, args);
  vgs::cli::add_log_level_argument(app, log_level);
  app.add_option("--nodes", job.nodes, "nodes")->capture_default_str();
  app.add_option("--ntasks-per-node", job.ntasks_per_node, "tasks (ranks) per node")->capture_default_str();
  app.add_option("--gpus-per-node", job.gpus_per_node, "GPUs per node (0: none asked for)")->capture_default_str();
  app.add_option("--cpus-per-task", job.cpus_per_task, "CPUs per task (0: the cluster's default)")->capture_default_str();
  app.add_option("--time", job.time, "time limit, as sbatch reads it (e.g. 2-00:00:00)");
  app.add_option("--partition", job.partition, "partition (default: the cluster's)");
  app.add_option("--account", job.account, "account to charge (default: yours)");
  app.add_option("--run-dir", run_dir, "run folder (default: the recipe's run.dir, else runs/<run.name>)");
  app.add_option("--signal-seconds", job.signal_seconds, "USR1 this many seconds before the time limit")
      ->capture_default_str();
  app.add_flag("--dry-run", dry_run, "print the script instead of writing and submitting it");
  return vgs::cli::run_program(app, argc, argv, log_level, [&] {
    if (vgs::cli::handle_config_requests(args, nullptr)) return 0;
    resolve_job(job, args, run_dir);
    vgs::cli::check_slurm_job(job);
    if (dry_run) {
      std::cout << vgs::cli::slurm_script(job);
      return 0;
    }
    const std::string script = vgs::cli::write_slurm_script(job);
    const std::string id = vgs::cli::submit_with_sbatch(script);
    std::cout << "submitted job " << id << " (" << script << "); log: " << job.slurm_dir << "/" << id
              << ".out; run folder: " << job.run_dir << "\n";
    return 0;
  });
}
