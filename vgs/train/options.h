// The recipe keys of training (model.*, loss.*, train.*, the data splits and backbones) and their
// typed form.
#pragma once

#include <string>
#include <vector>

#include "vgs/backbones/extraction.h"
#include "vgs/backbones/registry.h"
#include "vgs/models/two_tower.h"
#include "vgs/train/sampler.h"
#include "vgs/train/schedule.h"

namespace vgs::core {
class Schema;
class Config;
}  // namespace vgs::core

namespace vgs::train {

void add_train_options(core::Schema& schema);

struct Split {
  std::string audio_manifest, image_manifest;
  std::vector<std::string> trials;  // trial lists evaluated on this split
};

struct TrainOptions {
  std::string run_dir, run_name;
  uint64_t seed = 0;
  std::string toy_world;  // when set: generated there if missing, and its manifests used
  std::vector<std::string> languages;
  Split train, valid, test;
  backbones::BackboneRequest audio_backbone, image_backbone;
  std::vector<int64_t> audio_layers, image_layers;
  backbones::ExtractionOptions extraction;
  std::string feature_load = "auto";    // features.load
  double feature_memory_limit_gb = 8;  // features.memory_limit_gb  // image/audio decoding, dtype, threads, device for caching features
  models::TwoTowerConfig model;
  NegativeMode negatives = NegativeMode::sampled;
  int64_t negatives_per_item = 11;
  int64_t epochs = 24, batch_size = 60;
  std::string optimizer = "adam";
  Schedule schedule;  // warmup/total steps filled in once the data size is known
  double warmup_epochs = 4, weight_decay = 5e-7, grad_clip = 0;
  int64_t max_bad_steps = 5, keep_checkpoints = 5, log_every = 10, threads = 0;
  int64_t checkpoint_every_steps = 0;  // 0: at the end of each epoch only
  std::string select_metric = "valid/loss";
  bool test_every_epoch = true;  // test trials scored after every epoch too (curves only)
  std::string device = "auto";
  // Fault injection for the crash-recovery tests (debug.*): never set in a real recipe.
  int64_t debug_kill_at_step = 0;            // SIGKILL the process after this global step
  int64_t debug_term_at_step = 0;            // SIGTERM it (the handler checkpoints and stops)
  std::vector<int64_t> debug_nan_at_steps;   // make the loss NaN at these global steps
};

TrainOptions train_options(const core::Config& config);

}  // namespace vgs::train
