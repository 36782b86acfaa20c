// The recipe keys of the two-tower family (splits.*, audio_backbone.*, image_backbone.*, model.*,
// loss.*) and their typed form: what its training task and the evaluator read.
#pragma once

#include <string>
#include <vector>

#include "vgs/backbones/extraction.h"
#include "vgs/backbones/registry.h"
#include "vgs/io/options.h"
#include "vgs/losses/infonce.h"
#include "vgs/models/two_tower.h"
#include "vgs/train/sampler.h"

namespace vgs::core {
class Schema;
class Config;
}  // namespace vgs::core

namespace vgs::train {

// One split of a run: its manifests and the trial lists scored on it.
struct Split {
  std::string audio_manifest, image_manifest;
  std::vector<std::string> trials;
};

struct TwoTowerOptions {
  std::string run_name = "run";
  uint64_t seed = 0;
  std::string toy_world;  // when set: generated there if missing, and its manifests used
  std::vector<std::string> languages{"en"};
  Split train, valid, test;
  // The validation loss's pairs: drawn once with valid_seed (the same for every run.seed, as me-vgs
  // uses one validation sample file for all its runs), or read from valid_draws (data/pair_draws.h).
  std::string valid_draws;
  uint64_t valid_seed = 1;
  backbones::BackboneRequest audio_backbone{"wavlm_base_plus", "", 0, 0}, image_backbone{"dino_resnet50", "", 0, 0};
  std::vector<int64_t> audio_layers, image_layers;
  backbones::ExtractionOptions extraction;  // decoding, dtype, threads, device for caching features
  io::FeatureOptions features;
  models::TwoTowerConfig model;
  losses::NegativeMode negatives = losses::NegativeMode::sampled;
  int64_t negatives_per_item = 11;
  bool language_links = false;  // the language-links task (me-vgs CLIPTwoAudios): train/links_task.h
  int64_t batch_size = 60;
  EpochResample resample = EpochResample::single;  // train.resample
};

void add_two_tower_options(core::Schema& schema);
// The backbone of recipe group `group` (audio_backbone, image_backbone): name, weights, the seed of
// random initialisation, and for image backbones the side `image` preprocessing gives.
backbones::BackboneRequest backbone_request(const core::Config& config, const std::string& group, uint64_t seed,
                                            const io::ImageOptions& image);
TwoTowerOptions two_tower_options(const core::Config& config);

}  // namespace vgs::train
