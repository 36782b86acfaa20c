// Test helpers that read written figures with real clients: the SVG parsed as XML by Python's
// ElementTree (tests/report/read_svg.py), the PDF checked for its header and trailer, and what a
// call prints on stdout and stderr captured at the file descriptors (where PLplot would write).
#pragma once

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>

#include "tests/support/temp_dir.h"

namespace vgs::test {

// The key=value lines read_svg.py prints about an SVG file ("root", "viewBox", "title", "drawn"),
// or {"error": output} when Python could not parse it.
inline std::map<std::string, std::string> read_svg(const std::string& path) {
  CommandResult r = run_command(std::string(VGS_PYTHON) + " " + VGS_SOURCE_DIR + "/tests/report/read_svg.py '" +
                                path + "' 2>&1");
  if (r.exit_code != 0) return {{"error", r.output}};
  std::map<std::string, std::string> fields;
  std::istringstream lines(r.output);
  for (std::string line; std::getline(lines, line);)
    if (auto eq = line.find('='); eq != std::string::npos) fields[line.substr(0, eq)] = line.substr(eq + 1);
  return fields;
}

inline std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// A whole PDF: it starts with the header and its last line is the end-of-file marker.
inline bool is_whole_pdf(const std::string& path) {
  std::string bytes = file_bytes(path);
  size_t end = bytes.find_last_not_of("\r\n");
  return bytes.rfind("%PDF-", 0) == 0 && end != std::string::npos && end >= 4 && bytes.substr(end - 4, 5) == "%%EOF";
}

// Everything written to file descriptors 1 and 2 while `f` runs.
inline std::string printed_by(const std::function<void()>& f) {
  std::fflush(stdout);
  std::fflush(stderr);
  char name[] = "/tmp/vgs_printed_XXXXXX";
  int capture = mkstemp(name);
  int saved_out = dup(1), saved_err = dup(2);
  dup2(capture, 1);
  dup2(capture, 2);
  try {
    f();
  } catch (...) {
    std::fflush(stdout);
    std::fflush(stderr);
    dup2(saved_out, 1), dup2(saved_err, 2);
    close(saved_out), close(saved_err), close(capture), unlink(name);
    throw;
  }
  std::fflush(stdout);
  std::fflush(stderr);
  dup2(saved_out, 1), dup2(saved_err, 2);
  close(saved_out), close(saved_err), close(capture);
  std::string printed = file_bytes(name);
  unlink(name);
  return printed;
}

}  // namespace vgs::test
