// The sbatch script of vgs-slurm and its submission. The script's shell stays alive next to srun
// so that it can take Slurm's USR1, forward it to every task (vgs-train checkpoints and exits 3) and
// requeue the job, whose next start resumes the run folder.
#include "vgs/cli/slurm_job.h"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <regex>
#include <sstream>

#include "vgs/core/error.h"
#include "vgs/core/fs.h"
#include "vgs/core/strings.h"

namespace fs = std::filesystem;

namespace vgs::cli {

namespace {

bool only_chars(const std::string& text, const std::string& allowed_punctuation) {
  for (char c : text)
    if (!std::isalnum(static_cast<unsigned char>(c)) && allowed_punctuation.find(c) == std::string::npos) return false;
  return true;
}

// Paths go into #SBATCH lines, which sbatch splits itself, and --output expands '%'.
void check_path(const std::string& what, const std::string& path) {
  if (!only_chars(path, "/._+-=,@~"))
    throw Error(what + ": " + core::quote(path) +
                " holds a space, quote, '%' or other character that Slurm's #SBATCH lines cannot carry; "
                "choose a plainer path");
}

void check_counts(const SlurmJob& job) {
  if (job.nodes < 1) throw Error("--nodes: " + std::to_string(job.nodes) + " (at least 1)");
  if (job.ntasks_per_node < 1) throw Error("--ntasks-per-node: " + std::to_string(job.ntasks_per_node) + " (at least 1)");
  if (job.gpus_per_node < 0) throw Error("--gpus-per-node: " + std::to_string(job.gpus_per_node) + " (at least 0)");
  if (job.cpus_per_task < 0) throw Error("--cpus-per-task: " + std::to_string(job.cpus_per_task) + " (at least 0)");
  if (job.signal_seconds < 1) throw Error("--signal-seconds: " + std::to_string(job.signal_seconds) + " (at least 1)");
}

// A job name sbatch takes as it is: anything else becomes '_'.
std::string plain_name(const std::string& name) {
  std::string out = name;
  for (char& c : out)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '+' && c != '-') c = '_';
  return out.empty() ? "vgs" : out;
}

void write_directives(std::ostringstream& s, const SlurmJob& job) {
  s << "#SBATCH --job-name=" << plain_name(job.job_name) << "\n"
    << "#SBATCH --nodes=" << job.nodes << "\n"
    << "#SBATCH --ntasks-per-node=" << job.ntasks_per_node << "\n";
  if (job.cpus_per_task > 0) s << "#SBATCH --cpus-per-task=" << job.cpus_per_task << "\n";
  if (job.gpus_per_node > 0) s << "#SBATCH --gpus-per-node=" << job.gpus_per_node << "\n";
  if (!job.time.empty()) s << "#SBATCH --time=" << job.time << "\n";
  if (!job.partition.empty()) s << "#SBATCH --partition=" << job.partition << "\n";
  if (!job.account.empty()) s << "#SBATCH --account=" << job.account << "\n";
  s << "#SBATCH --requeue\n"
    << "#SBATCH --signal=B:USR1@" << job.signal_seconds << "\n"
    << "#SBATCH --open-mode=append\n"
    << "#SBATCH --output=" << job.slurm_dir << "/%j.out\n";
}

// The command line of a new run: the recipe, the user's overrides, then run.dir (the last --set wins).
std::string new_run_command(const SlurmJob& job) {
  std::string command = "\"$train\" " + shell_quote(job.recipe);
  for (const auto& o : job.overrides) command += " --set " + shell_quote(o);
  return command + " --set " + shell_quote("run.dir=" + job.run_dir);
}

void write_launch(std::ostringstream& s, const SlurmJob& job) {
  s << "run=" << shell_quote(job.run_dir) << "\n"
    << "train=" << shell_quote(job.train_program) << "\n\n"
    << "# c10d's rendezvous: rank 0 runs on the job's first node; the port differs between jobs.\n"
    << "export MASTER_ADDR=\"$(scontrol show hostnames \"$SLURM_JOB_NODELIST\" | head -n 1)\"\n"
    << "export MASTER_PORT=$((20000 + SLURM_JOB_ID % 20000))\n";
  if (job.cpus_per_task > 0)
    s << "# srun of Slurm 22.05 to 23.02 does not pass --cpus-per-task on to the tasks; LibTorch's threads\n"
      << "# default to every core of the node.\n"
      << "export SRUN_CPUS_PER_TASK=" << job.cpus_per_task << " OMP_NUM_THREADS=" << job.cpus_per_task << "\n";
  s << "\n"
    << "# A run that has begun (config.yaml written) is resumed: after a requeue, or when this script is\n"
    << "# submitted again.\n"
    << "if [ -f \"$run/config.yaml\" ]; then\n"
    << "  set -- \"$train\" --resume \"$run\"\n"
    << "else\n"
    << "  set -- " << new_run_command(job) << "\n"
    << "fi\n"
    << "echo \"vgs-slurm: job $SLURM_JOB_ID, start $((${SLURM_RESTART_COUNT:-0} + 1)), $SLURM_NTASKS tasks on "
       "$SLURM_JOB_NODELIST, MASTER_ADDR=$MASTER_ADDR MASTER_PORT=$MASTER_PORT: $*\"\n\n";
}

// Signals are trapped before srun starts (an untrapped USR1 would end this shell); srun forwards a
// signal it gets to every task. USR1 (--signal=B:, or scancel --signal=USR1 -b) means "stop and come
// back": requeue. TERM (scancel, a preemption) means stop: Slurm requeues preempted jobs itself.
void write_signal_handling(std::ostringstream& s) {
  s << "step=\nrequeue=0\n"
    << "trap 'echo \"vgs-slurm: USR1: vgs-train checkpoints and stops; the job will be requeued\"; requeue=1; "
       "[ -n \"$step\" ] && kill -USR1 \"$step\"' USR1\n"
    << "trap 'echo \"vgs-slurm: TERM: vgs-train checkpoints and stops\"; [ -n \"$step\" ] && kill -TERM \"$step\"' "
       "TERM\n"
    << "srun \"$@\" &\n"
    << "step=$!\n"
    << "# A trapped signal ends wait early: wait again until srun has ended (bash keeps its status).\n"
    << "while kill -0 \"$step\" 2>/dev/null; do wait \"$step\"; done\n"
    << "wait \"$step\"\n"
    << "code=$?\n\n";
}

void write_ending(std::ostringstream& s, const SlurmJob& job) {
  s << "# 3: every task stopped after a checkpoint (docs/reliability.md). Requeued, the job resumes the run.\n"
    << "if [ \"$code\" -eq 3 ] && [ \"$requeue\" -eq 1 ]; then\n"
    << "  echo \"vgs-slurm: vgs-train stopped after a checkpoint; requeueing job $SLURM_JOB_ID\"\n"
    << "  if scontrol requeue \"$SLURM_JOB_ID\"; then\n"
    << "    # Slurm ends this start itself and queues the job again; a script that exited first could\n"
    << "    # leave the job FAILED (exit code 3) before the requeue is done. So: wait to be ended.\n"
    << "    trap - TERM USR1\n"
    << "    sleep 600 &\n"
    << "    wait $!\n"
    << "  else\n"
    << "    echo \"vgs-slurm: scontrol requeue failed; resume with: sbatch " << job.slurm_dir << "/job.sbatch\"\n"
    << "  fi\n"
    << "fi\n"
    << "echo \"vgs-slurm: vgs-train exited with code $code\"\n"
    << "exit \"$code\"\n";
}

}  // namespace

void check_slurm_job(const SlurmJob& job) {
  check_counts(job);
  static const std::regex time_format(R"((\d+-)?\d+(:\d+){0,2}|UNLIMITED|INFINITE)", std::regex::icase);
  if (!job.time.empty() && !std::regex_match(job.time, time_format))
    throw Error("--time: " + core::quote(job.time) + " is not a Slurm time (MINUTES, HH:MM:SS, D-HH:MM:SS, ...)");
  if (!only_chars(job.partition, "_.,-")) throw Error("--partition: " + core::quote(job.partition) + " is not a partition name");
  if (!only_chars(job.account, "_.-")) throw Error("--account: " + core::quote(job.account) + " is not an account name");
  check_path("run.dir", job.run_dir);
  check_path("the Slurm folder", job.slurm_dir);
}

std::string slurm_script(const SlurmJob& job) {
  std::ostringstream s;
  s << "#!/bin/bash\n"
    << "# Written by vgs-slurm: trains " << job.recipe << " into " << job.run_dir << ".\n"
    << "# USR1, " << job.signal_seconds << " s before the time limit, makes vgs-train checkpoint and stop; the job\n"
    << "# then requeues itself and resumes the run. Logs: " << job.slurm_dir << "/<job id>.out\n";
  write_directives(s, job);
  s << "\n";
  write_launch(s, job);
  write_signal_handling(s);
  write_ending(s, job);
  return s.str();
}

std::string shell_quote(const std::string& word) {
  if (!word.empty() && only_chars(word, "/._+-=,:@%")) return word;
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string program_folder() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw Error("/proc/self/exe: cannot find this program's folder (" + ec.message() + ")");
  return self.parent_path().string();
}

std::string write_slurm_script(const SlurmJob& job) {
  const std::string path = job.slurm_dir + "/job.sbatch";
  core::write_file_atomic(path, slurm_script(job));
  fs::permissions(path, fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec, fs::perm_options::add);
  return path;
}

std::string submit_with_sbatch(const std::string& script_path) {
  FILE* pipe = ::popen(("sbatch --parsable " + shell_quote(script_path) + " 2>&1").c_str(), "r");
  if (!pipe) throw Error("sbatch: cannot be started");
  std::string output;
  std::array<char, 1024> buffer;
  size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) output.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  const std::string text = core::trim(output);
  if (code == 127) throw Error("sbatch: not found (is Slurm's client installed and on PATH?)");
  // --parsable prints "<job id>" or "<job id>;<cluster>".
  static const std::regex job_id(R"((\d+)(;\S+)?)");
  std::smatch m;
  if (code != 0 || !std::regex_match(text, m, job_id))
    throw Error("sbatch " + script_path + " failed (exit " + std::to_string(code) + "): " + core::printable(text, 300));
  return m[1].str();
}

}  // namespace vgs::cli
