// Tests of vgs-slurm: the script it writes (a golden file), and jobs on a real one-node Slurm
// cluster (munged, slurmctld and slurmd started by scripts/slurm_cluster.sh, no mocks): a submitted
// 2-task toy run (Gloo on CPU) ends with the weights of a 2-rank vgs-launch run, and a 2-task job
// stopped with USR1 checkpoints, requeues, resumes and ends with the weights of an uninterrupted
// run. A cluster that cannot start fails the test with the daemons' logs; it is never skipped.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <stdexcept>
#include <thread>

#include "tests/support/temp_dir.h"
#include "tests/support/toy_fixture.h"
#include "vgs/core/fs.h"

using namespace vgs;
using Catch::Contains;
namespace fs = std::filesystem;

namespace {

// Every occurrence of `from` in `text` replaced by `to`.
std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// The cluster of this test program (CTest runs each test case as its own process, each with its own
// cluster on its own ports), started on first use and stopped when the program exits.
class SlurmCluster {
 public:
  static SlurmCluster& instance() {
    static SlurmCluster cluster;
    return cluster;
  }
  ~SlurmCluster() { stop(); }
  // Runs a command with this cluster's SLURM_CONF.
  test::CommandResult run(const std::string& command) const {
    return test::run_command("SLURM_CONF=" + dir_.file("slurm.conf") + " " + command);
  }
  std::string log_tail(const std::string& daemon) const {
    return test::run_command("tail -n 20 " + dir_.file("log/" + daemon + ".log")).output;
  }
  double start_seconds() const { return start_seconds_; }

 private:
  SlurmCluster() {
    const auto t0 = std::chrono::steady_clock::now();
    test::CommandResult r = test::run_command(script() + " start " + dir_.path());
    start_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (r.exit_code != 0) {
      stop();  // whatever did start
      throw std::runtime_error("scripts/slurm_cluster.sh start failed (exit " + std::to_string(r.exit_code) +
                               "): the Slurm tests need munged, slurmctld and slurmd running as root here:\n" + r.output);
    }
  }
  void stop() const { test::run_command(script() + " stop " + dir_.path()); }
  static std::string script() { return std::string(VGS_SOURCE_DIR) + "/scripts/slurm_cluster.sh"; }

  test::TempDir dir_;
  double start_seconds_ = 0;
};

// The job id from vgs-slurm's "submitted job <id> ..." line.
std::string submit(const SlurmCluster& cluster, const std::string& arguments) {
  test::CommandResult r = cluster.run(test::program("vgs-slurm") + " " + arguments);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  std::smatch m;
  REQUIRE(std::regex_search(r.output, m, std::regex("submitted job (\\d+) ")));
  return m[1].str();
}

// One field of `scontrol show job` (JobState, Restarts, ExitCode...); "" when the job is unknown.
std::string job_field(const SlurmCluster& cluster, const std::string& id, const std::string& field) {
  test::CommandResult r = cluster.run("scontrol show job -o " + id);
  std::smatch m;
  if (!std::regex_search(r.output, m, std::regex("\\b" + field + "=(\\S+)"))) return "";
  return m[1].str();
}

// A job state that may still change by itself (pending, running, being requeued...; "": scontrol did
// not answer this time); not COMPLETED, FAILED, CANCELLED, TIMEOUT and the like.
bool job_active(const std::string& state) {
  return state.empty() || state == "PENDING" || state == "RUNNING" || state == "CONFIGURING" || state == "COMPLETING" ||
         state == "REQUEUED" || state == "REQUEUE_FED" || state == "REQUEUE_HOLD" || state == "SUSPENDED";
}

std::string read_or_empty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Polls until `done` holds, at most `seconds`; on a timeout fails with the job, its log and the daemons' logs.
void wait_for(const SlurmCluster& cluster, const std::string& id, const std::string& log, const std::string& what,
              const std::function<bool()>& done, int seconds = 120) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline)
      FAIL("job " << id << ": no " << what << " after " << seconds << " s\n"
                  << cluster.run("scontrol show job " + id).output << "----- " << log << "\n"
                  << read_or_empty(log) << "----- slurmctld\n" << cluster.log_tail("slurmctld")
                  << "----- slurmd\n" << cluster.log_tail("slurmd"));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// Waits for the job to end and requires it to have completed (exit 0). With `release` (a job that
// requeues itself), an end must last 3 s to count, and the requeued job starts again by itself
// once its begin time (the cluster's cred_expire) has passed.
void wait_completed(const SlurmCluster& cluster, const std::string& id, const std::string& log, bool release = false) {
  std::string state;
  int ended_polls = 0;
  wait_for(cluster, id, log, "end", [&] {
    state = job_field(cluster, id, "JobState");
    // A requeued job is not released by hand: a start before the last one's credential has expired
    // is killed by Slurm ("Job credential revoked"). The test cluster's cred_expire (5 s) is the wait.
    // A start ended by its own requeue shows FAILED for a moment before the job is PENDING again:
    // an end counts once it has lasted 3 s (30 polls) without the job coming back.
    ended_polls = job_active(state) || state == "COMPLETED" ? 0 : ended_polls + 1;
    return state == "COMPLETED" || (!job_active(state) && (!release || ended_polls >= 30));
  });
  INFO(read_or_empty(log) << "----- scontrol\n" << cluster.run("scontrol show job " + id).output << "----- slurmctld\n"
                           << cluster.log_tail("slurmctld"));
  REQUIRE(state == "COMPLETED");
}

// Trains the recipe with 2 ranks of vgs-launch (Gloo on CPU, no Slurm) into `run_dir`: the reference
// a 2-task job must equal.
void train_with_vgs_launch(const std::string& recipe, const std::string& run_dir, const std::string& overrides) {
  test::CommandResult r = test::run_command(test::program("vgs-launch") + " --nproc 2 -- " + test::program("vgs-train") +
                                            " " + recipe + " --set run.dir=" + run_dir + overrides);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
}

bool same_final_weights(const std::string& run_a, const std::string& run_b) {
  const std::string a = core::read_file(run_a + "/checkpoints/last/model.safetensors");
  const std::string b = core::read_file(run_b + "/checkpoints/last/model.safetensors");
  INFO(run_a << ": " << a.size() << " bytes, " << run_b << ": " << b.size() << " bytes");
  return a == b;
}

}  // namespace

TEST_CASE("vgs-slurm --dry-run prints the sbatch script of the golden file") {
  test::TempDir dir;
  const std::string recipe = dir.write("toy.yaml", "run: {name: toy, seed: 1}\n");
  test::CommandResult r = test::run_command(
      test::program("vgs-slurm") + " " + recipe + " --dry-run --nodes 2 --ntasks-per-node 4 --gpus-per-node 4" +
      " --cpus-per-task 6 --time 2-00:00:00 --partition gpu --account proj --signal-seconds 300" +
      " --run-dir " + dir.file("runs/toy") + " --set train.epochs=24 --set 'run.name=toy seed 1'");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  // The machine's folders become placeholders; the rest is the same everywhere.
  const std::string bin = fs::canonical(std::string(VGS_BINARY_DIR) + "/bin").string();
  const std::string script = replace_all(replace_all(r.output, dir.path(), "@TMP@"), bin, "@BIN@");
  const std::string golden = std::string(VGS_SOURCE_DIR) + "/tests/cli/golden/vgs_slurm_dry_run.sbatch";
  if (std::getenv("VGS_UPDATE_GOLDEN")) std::ofstream(golden, std::ios::binary) << script;
  CHECK(script == read_or_empty(golden));
  CHECK(test::run_command("bash -n " + dir.write("job.sbatch", r.output)).exit_code == 0);
}

TEST_CASE("vgs-slurm refuses bad input with one line and exit code 2") {
  test::TempDir dir;
  const std::string recipe = dir.write("toy.yaml", "run: {name: toy, seed: 1}\n");
  const std::string slurm = test::program("vgs-slurm") + " ";
  auto missing = test::run_command(slurm + dir.file("missing.yaml") + " --dry-run");
  CHECK(missing.exit_code == 2);
  CHECK(missing.output == "vgs-slurm: error: " + dir.file("missing.yaml") + ": recipe not found\n");
  auto time = test::run_command(slurm + recipe + " --dry-run --time 1h");
  CHECK(time.exit_code == 2);
  CHECK(time.output == "vgs-slurm: error: --time: '1h' is not a Slurm time (MINUTES, HH:MM:SS, D-HH:MM:SS, ...)\n");
  auto nodes = test::run_command(slurm + recipe + " --dry-run --nodes 0");
  CHECK(nodes.exit_code == 2);
  CHECK(nodes.output == "vgs-slurm: error: --nodes: 0 (at least 1)\n");
  auto key = test::run_command(slurm + recipe + " --dry-run --set train.epochz=3");
  CHECK(key.exit_code == 2);
  CHECK_THAT(key.output, Contains("unknown key 'train.epochz'"));
  auto option = test::run_command(slurm + recipe + " --dry-run --nodez 2");
  CHECK(option.exit_code == 2);
  CHECK_THAT(option.output, Contains("--nodez"));
  auto no_recipe = test::run_command(slurm + "--dry-run");
  CHECK(no_recipe.exit_code == 2);
  CHECK(no_recipe.output == "vgs-slurm: error: no recipe given (vgs-slurm RECIPE [options])\n");
}

TEST_CASE("a 2-task toy run submitted with vgs-slurm to a real Slurm ends with the weights of a 2-rank vgs-launch run") {
  SlurmCluster& cluster = SlurmCluster::instance();
  WARN("one-node Slurm cluster started in " << cluster.start_seconds() << " s");
  test::TempDir dir;
  const std::string recipe = test::write_small_toy_recipe(dir, "toy");
  // First: it also extracts the features the job reads (two extractions of one store at once collide).
  train_with_vgs_launch(recipe, dir.file("direct"), "");
  const std::string run = dir.file("slurm_run");
  const std::string id = submit(cluster, recipe + " --run-dir " + run + " --ntasks-per-node 2 --cpus-per-task 1");
  const std::string log = run + ".slurm/" + id + ".out";
  wait_completed(cluster, id, log);
  const std::string output = read_or_empty(log);
  INFO(output);
  CHECK_THAT(output, Contains("2 tasks on") && Contains("vgs-train exited with code 0"));
  CHECK(job_field(cluster, id, "Restarts") == "0");
  CHECK(fs::exists(run + "/results.json"));
  CHECK(same_final_weights(run, dir.file("direct")));
}

TEST_CASE("a 2-task job stopped with USR1 checkpoints, requeues and resumes to the weights of an uninterrupted run") {
  SlurmCluster& cluster = SlurmCluster::instance();
  test::TempDir dir;
  const std::string recipe = test::write_small_toy_recipe(dir, "toy");
  // 80 steps: time to signal it mid-way. With the recipe's dropout (0.1): each rank's masks after the
  // requeue must be those of the uninterrupted run.
  const std::string longer = " --set train.epochs=16";
  train_with_vgs_launch(recipe, dir.file("uninterrupted"), longer);  // first, as above
  const std::string run = dir.file("stopped");
  const std::string id = submit(cluster, recipe + " --run-dir " + run + " --ntasks-per-node 2 --cpus-per-task 1" + longer);
  const std::string log = run + ".slurm/" + id + ".out";
  // vgs-train takes USR1 from its first step on (before, the signal would end it without a checkpoint).
  wait_for(cluster, id, log, "first training step", [&] {
    return !read_or_empty(run + "/metrics.jsonl").empty() || !job_active(job_field(cluster, id, "JobState"));
  });
  INFO(read_or_empty(log));
  REQUIRE(job_field(cluster, id, "JobState") == "RUNNING");
  test::CommandResult signal = cluster.run("scancel --signal=USR1 -b " + id);
  INFO(signal.output);
  REQUIRE(signal.exit_code == 0);
  // A job that ended instead (the signal came too late, or was lost) fails at once with its log.
  wait_for(cluster, id, log, "requeue", [&] {
    return job_field(cluster, id, "Restarts") == "1" || !job_active(job_field(cluster, id, "JobState"));
  });
  {
    const std::string first = read_or_empty(log);
    INFO(first);
    REQUIRE(job_field(cluster, id, "Restarts") == "1");
    CHECK_THAT(first, Contains("stopped at step") && Contains("requeueing job " + id));
  }
  wait_completed(cluster, id, log, true);
  const std::string output = read_or_empty(log);
  INFO(output);
  CHECK_THAT(output, Contains("start 2,") && Contains("--resume " + run) && Contains("vgs-train exited with code 0"));
  CHECK(same_final_weights(run, dir.file("uninterrupted")));
}
