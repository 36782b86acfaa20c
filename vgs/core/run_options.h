// The run-level recipe keys (run.*, log.*) every program shares, and their typed form.
#pragma once

#include <cstdint>
#include <string>

namespace vgs::core {

class Schema;
class Config;

void add_run_options(Schema& schema);

struct RunOptions {
  std::string name = "run";
  std::string dir;  // run directory (config, metrics, checkpoints); default runs/<name>
  int64_t seed = 0;
  std::string log_level = "info";
};
RunOptions run_options(const Config& config);

}  // namespace vgs::core
