// Test support: a fresh folder per test, removed afterwards; running programs and Python checks.
#pragma once

#include <functional>
#include <string>

namespace vgs::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  // Writes `content` to file(name) and returns its path.
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};
// Runs a shell command, capturing its output.
CommandResult run_command(const std::string& command);
// Runs tests/python/<script> with the test environment's Python and the given arguments.
CommandResult run_python(const std::string& script, const std::string& arguments);
// The message of the vgs::Error that `f` throws, or "(no error)": tests compare whole messages.
std::string error_of(const std::function<void()>& f);

// A program built into build/bin.
std::string program(const std::string& name);

}  // namespace vgs::test
