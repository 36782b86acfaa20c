// Local multi-rank launching (see launcher.h).
#include "vgs/cli/launcher.h"

#include <signal.h>

#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "vgs/cli/common.h"
#include "vgs/core/error.h"
#include "vgs/core/log.h"
#include "vgs/dist/world.h"

namespace vgs::cli {

namespace {

// The children, for the signal handler (which may only read plain data).
constexpr int kMaxRanks = 1024;
pid_t g_children[kMaxRanks];
std::atomic<int> g_child_count{0};

void forward_signal(int signal) {
  for (int i = 0; i < g_child_count.load(); ++i)
    if (g_children[i] > 0) ::kill(g_children[i], signal);
}

void install_forwarding() {
  struct sigaction action {};
  action.sa_handler = forward_signal;
  sigemptyset(&action.sa_mask);
  for (int signal : {SIGTERM, SIGUSR1, SIGINT, SIGHUP}) sigaction(signal, &action, nullptr);
}

[[noreturn]] void exec_rank(const std::vector<std::string>& command, int rank, int ranks, int port) {
  ::setpgid(0, 0);  // Ctrl-C reaches a rank once, forwarded by the launcher, not also from the terminal
  for (int signal : {SIGTERM, SIGUSR1, SIGINT, SIGHUP}) std::signal(signal, SIG_DFL);
  ::setenv("RANK", std::to_string(rank).c_str(), 1);
  ::setenv("LOCAL_RANK", std::to_string(rank).c_str(), 1);
  ::setenv("WORLD_SIZE", std::to_string(ranks).c_str(), 1);
  ::setenv("LOCAL_WORLD_SIZE", std::to_string(ranks).c_str(), 1);
  ::setenv("MASTER_ADDR", "127.0.0.1", 1);
  ::setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
  std::vector<char*> argv;
  for (const auto& word : command) argv.push_back(const_cast<char*>(word.c_str()));
  argv.push_back(nullptr);
  ::execvp(argv[0], argv.data());
  std::fprintf(stderr, "vgs-launch: error: cannot run %s: %s\n", argv[0], std::strerror(errno));
  std::_Exit(127);
}

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

std::string describe(int status) {
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  return std::string("was killed by signal ") + std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) + ")";
}

int rank_of(pid_t pid) {
  for (int i = 0; i < g_child_count.load(); ++i)
    if (g_children[i] == pid) return i;
  return -1;
}

// After the first failure: SIGTERM to the ranks still running, SIGKILL after the grace period.
void stop_the_others(double grace_seconds, std::chrono::steady_clock::time_point& kill_at, bool& stopping) {
  if (stopping) return;
  stopping = true;
  forward_signal(SIGTERM);
  kill_at = std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<int64_t>(grace_seconds * 1000));
}

}  // namespace

int launch(const std::vector<std::string>& command, const LaunchOptions& o) {
  if (command.empty()) throw Error("no command to launch: vgs-launch --nproc N -- vgs-train RECIPE");
  if (o.ranks < 1 || o.ranks > kMaxRanks) throw Error("--nproc must be in 1.." + std::to_string(kMaxRanks));
  const int port = o.master_port > 0 ? o.master_port : dist::free_port();
  install_forwarding();
  for (int rank = 0; rank < o.ranks; ++rank) {
    const pid_t pid = ::fork();
    if (pid < 0) throw Error(std::string("cannot start a rank: ") + std::strerror(errno));
    if (pid == 0) exec_rank(command, rank, o.ranks, port);
    g_children[rank] = pid;
    g_child_count.store(rank + 1);
  }
  log::info("[launch] ", o.ranks, " ranks of ", command.front(), " (master 127.0.0.1:", port, ")");
  int running = o.ranks, first_failure = -1, stopped = 0;
  bool stopping = false;
  auto kill_at = std::chrono::steady_clock::time_point::max();
  while (running > 0) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid == 0 || (pid < 0 && errno == EINTR)) {
      if (stopping && std::chrono::steady_clock::now() >= kill_at) forward_signal(SIGKILL);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    if (pid < 0) break;
    const int rank = rank_of(pid);
    if (rank >= 0) g_children[rank] = -1;
    --running;
    const int code = exit_code_of(status);
    if (code == kExitStopped) ++stopped;
    if (code != kExitOk && code != kExitStopped && first_failure < 0) {
      first_failure = code;
      log::error("[launch] rank ", rank, " (pid ", pid, ") ", describe(status), "; stopping the other ranks");
      stop_the_others(o.grace_seconds, kill_at, stopping);
    }
  }
  if (first_failure >= 0) return first_failure;
  return stopped > 0 ? kExitStopped : kExitOk;
}

}  // namespace vgs::cli
