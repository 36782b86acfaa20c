// The full recipe schema and the run-level keys.
#include "vgs/recipe/recipe.h"

#include "vgs/backbones/options.h"
#include "vgs/core/logging.h"
#include "vgs/core/schema.h"
#include "vgs/data/options.h"
#include "vgs/io/options.h"

namespace vgs::recipe {

namespace {
core::Schema build_schema() {
  core::Schema s;
  s.group("run", "The run: name, folder, seed");
  s.add_string("run.name", "run", "name of the run, used in logs and reports");
  s.add_path("run.dir", "run directory for the resolved config, metrics and checkpoints (default runs/<name>)");
  s.add_int("run.seed", 0, "seed of every random choice (sampling, initialisation, dropout)", core::Bounds::at_least(0));
  s.group("log", "Logging");
  std::vector<std::string> levels(std::begin(core::kLogLevels), std::end(core::kLogLevels));
  s.add_string("log.level", "info", "log verbosity", levels);
  io::add_io_options(s);
  data::add_data_options(s);
  backbones::add_backbone_options(s);
  return s;
}
}  // namespace

const core::Schema& schema() {
  static const core::Schema instance = build_schema();
  return instance;
}

core::Config load(const std::string& recipe_path, const std::vector<std::string>& overrides) {
  return core::Config::load(schema(), recipe_path, overrides);
}

RunOptions run_options(const core::Config& c) {
  RunOptions o;
  o.name = c.get_string("run.name");
  o.dir = c.has("run.dir") ? c.get_string("run.dir") : "runs/" + o.name;
  o.seed = c.get_int("run.seed");
  o.log_level = c.get_string("log.level");
  return o;
}

}  // namespace vgs::recipe
