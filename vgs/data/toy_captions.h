// The toy caption world: pictures of 1-4 drawn objects (vgs/data/toy_images.h) with templated
// captions whose groundable phrases (each object's noun phrase, "a small red circle") are known spans,
// and foils that change exactly one phrase (its colour, size, shape, or the whole object) for
// forced-choice tests. Made with no download; the same seed gives byte-identical files. docs/captions.md.
#pragma once

#include <cstdint>
#include <string>

namespace vgs::data {

struct ToyCaptionsOptions {
  uint64_t seed = 0;
  int train_scenes = 1000, val_scenes = 100, test_scenes = 200;
  int image_size = 128;
};

struct ToyCaptionsResult {
  std::string dir;
  int64_t images = 0, captions = 0, foils = 0;
};

// Writes, for each split (train, val, test): images/<split>/<id>.png, manifests/images_<split>.jsonl,
// manifests/captions_<split>.jsonl (one caption per picture, spans labelled by the object's index
// from the left), manifests/scenes_<split>.jsonl (each object's shape, colour, size and centre),
// manifests/labels_<split>.jsonl (each image's object count, "2 objects": labels for vgs-analyze) and
// foils/foils_<split>.jsonl (forced-choice lines: id, image, caption, foil, foil_spans, category).
// Existing files are replaced.
ToyCaptionsResult make_toy_captions(const std::string& out_dir, const ToyCaptionsOptions& options = {});

}  // namespace vgs::data
