// Test support: temporary folders, commands and Python checks.
#include "tests/support/temp_dir.h"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "vgs/core/error.h"

namespace vgs::test {

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  path_ = std::string(VGS_BINARY_DIR) + "/test-tmp/" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::write(const std::string& name, const std::string& content) const {
  std::string p = file(name);
  std::filesystem::create_directories(std::filesystem::path(p).parent_path());
  std::ofstream(p, std::ios::binary) << content;
  return p;
}

CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n);
  int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

CommandResult run_python(const std::string& script, const std::string& arguments) {
  return run_command(std::string(VGS_PYTHON) + " " + VGS_SOURCE_DIR + "/tests/python/" + script + " " + arguments);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

std::string program(const std::string& name) { return std::string(VGS_BINARY_DIR) + "/bin/" + name; }

}  // namespace vgs::test
