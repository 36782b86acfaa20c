// Training recipe keys: a recipe with no keys reads back as the default-constructed structs (each
// default is declared once, on the struct), and choices read back as their enums.
#include <catch2/catch.hpp>

#include "vgs/recipe/recipe.h"
#include "vgs/train/options.h"
#include "vgs/train/two_tower_options.h"

using namespace vgs;

TEST_CASE("an empty recipe reads back as the default trainer and two-tower options") {
  const core::Config c = recipe::load("");
  const train::TrainerOptions t = train::trainer_options(c), dt;
  CHECK(t.epochs == dt.epochs);
  CHECK(t.batch_size == dt.batch_size);
  CHECK(t.optimizer == dt.optimizer);
  CHECK(t.schedule.peak_lr == dt.schedule.peak_lr);
  CHECK(t.schedule.min_lr == dt.schedule.min_lr);
  CHECK(t.warmup_epochs == dt.warmup_epochs);
  CHECK(t.weight_decay == dt.weight_decay);
  CHECK(t.keep_checkpoints == dt.keep_checkpoints);
  CHECK(t.select_metric == dt.select_metric);
  CHECK(t.device == dt.device);
  const train::TwoTowerOptions m = train::two_tower_options(c), dm;
  CHECK(m.languages == dm.languages);
  CHECK(m.audio_backbone.name == dm.audio_backbone.name);
  CHECK(m.image_backbone.name == dm.image_backbone.name);
  CHECK(m.negatives == dm.negatives);
  CHECK(m.negatives_per_item == dm.negatives_per_item);
  CHECK(m.model.audio.width == dm.model.audio.width);
  CHECK(m.model.audio.depth == dm.model.audio.depth);
  CHECK(m.model.audio.positions == dm.model.audio.positions);
  CHECK(m.model.temperature == dm.model.temperature);
  CHECK(m.model.fixed_scale == dm.model.fixed_scale);
  CHECK(m.features.load == dm.features.load);
  CHECK(m.features.dtype == dm.features.dtype);
}

TEST_CASE("choices read back as their enums and the recipe spells them as the enums do") {
  const core::Config c = recipe::load("", {"loss.negatives=sampled_shared", "train.optimizer=adamw",
                                           "model.temperature=learnable", "model.positions=sinusoidal",
                                           "features.load=online"});
  const train::TwoTowerOptions m = train::two_tower_options(c);
  CHECK(m.negatives == losses::NegativeMode::sampled_shared);
  CHECK(m.model.temperature == models::Temperature::learnable);
  CHECK(m.model.image.positions == models::Positions::sinusoidal);
  CHECK(m.features.load == io::FeatureLoad::online);
  CHECK(train::trainer_options(c).optimizer == train::OptimizerKind::adamw);
  CHECK(recipe::schema().find("loss.negatives")->choices == losses::negative_modes().names());
}
