// The full recipe schema.
#include "vgs/recipe/recipe.h"

#include "vgs/analysis/options.h"
#include "vgs/backbones/options.h"
#include "vgs/core/run_options.h"
#include "vgs/core/schema.h"
#include "vgs/data/options.h"
#include "vgs/eval/options.h"
#include "vgs/io/options.h"
#include "vgs/train/options.h"
#include "vgs/train/text_grouping_options.h"
#include "vgs/train/two_tower_options.h"

namespace vgs::recipe {

namespace {
core::Schema build_schema() {
  core::Schema s;
  core::add_run_options(s);
  io::add_io_options(s);
  data::add_data_options(s);
  backbones::add_backbone_options(s);
  train::add_two_tower_options(s);
  train::add_text_grouping_options(s);
  train::add_trainer_options(s);
  eval::add_eval_options(s);
  analysis::add_analyze_options(s);
  return s;
}
}  // namespace

const core::Schema& schema() {
  static const core::Schema instance = build_schema();
  return instance;
}

core::Config load(const std::string& recipe_path, const std::vector<std::string>& overrides) {
  if (recipe_path.empty()) return core::Config::from_overrides(schema(), overrides);  // defaults and --set only
  return core::Config::load(schema(), recipe_path, overrides);
}

}  // namespace vgs::recipe
