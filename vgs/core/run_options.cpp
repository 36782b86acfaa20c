// The run-level recipe keys and their typed form.
#include "vgs/core/run_options.h"

#include <iterator>
#include <vector>

#include "vgs/core/config.h"
#include "vgs/core/log.h"
#include "vgs/core/schema.h"

namespace vgs::core {

void add_run_options(Schema& s) {
  const RunOptions d;
  s.group("run", "The run: name, folder, seed");
  s.add_string("run.name", d.name, "name of the run, used in logs and reports");
  s.add_path("run.dir", "run directory for the resolved config, metrics and checkpoints (default runs/<name>)");
  s.add_int("run.seed", d.seed, "seed of every random choice (sampling, initialisation, dropout)", Bounds::at_least(0));
  s.group("log", "Logging");
  std::vector<std::string> levels(std::begin(kLogLevels), std::end(kLogLevels));
  s.add_string("log.level", d.log_level, "log verbosity", levels);
}

RunOptions run_options(const Config& c) {
  RunOptions o;
  o.name = c.get_string("run.name");
  o.dir = c.has("run.dir") ? c.get_string("run.dir") : "runs/" + o.name;
  o.seed = c.get_int("run.seed");
  o.log_level = c.get_string("log.level");
  return o;
}

}  // namespace vgs::core
