// The toy world: the ME bilingual setting built with no download, so every vgs path runs and is tested
// anywhere. Every word of the vocabulary (vgs/data/vocabulary.h) is spoken in English, French and
// Dutch by espeak-ng (voices, rates and pitches varied, lightly augmented) and drawn as a procedural
// object (vgs/data/toy_images.h) in two image sources; manifests and familiar / ME trial lists follow
// docs/formats.md and vgs/data/trials.h. The same seed gives byte-identical files. Layout and timings:
// docs/toy_world.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vgs::data {

struct ToyWorldOptions {
  uint64_t seed = 0;
  std::vector<std::string> languages{"en", "fr", "nl"};
  std::vector<std::string> familiar;  // English forms; empty: all 13 familiar words
  std::vector<std::string> novel;     // English forms; empty: all 19 novel words
  // Familiar words: audio per word and language, images per word, in each split.
  int train_audio = 24, val_audio = 4, test_audio = 10;
  int train_images = 30, val_images = 5, test_images = 10;
  // Novel words exist only in the test split.
  int novel_audio = 10, novel_images = 10;
  int trials_per_word = 50;
  int image_size = 256;
  int sample_rate = 16000;
  int threads = 2;                    // rendering threads; the output does not depend on it
  bool force = false;                 // remake a finished toy world
  std::string espeak = "espeak-ng";   // the speech program: a name looked up on PATH, or a path
  bool progress = true;               // show a progress bar
};

struct ToyWorldResult {
  std::string dir;
  bool reused = false;  // a finished toy world with the same options was already there
  int64_t audio_items = 0, image_items = 0, trials = 0;
  double seconds = 0;   // time taken by this call
};

// Builds the toy world in `out_dir` (created when missing), or reuses a finished one made with the
// same options unless `force`. A finished world is marked by toy_world.json, written last; an
// unfinished one (toy_world.partial) is remade. Refuses a non-empty folder that is not a toy world, a
// finished one made with other options (without `force`), and a missing espeak-ng.
ToyWorldResult make_toy_world(const std::string& out_dir, const ToyWorldOptions& options = {});

// Where make_toy_world puts things: manifests/{audio,images}_<split>.jsonl, and
// trials/<test>_<split>_<lang>.jsonl (test "familiar" or "me").
std::string toy_world_manifest(const std::string& out_dir, const std::string& modality, const std::string& split);
std::string toy_world_trials(const std::string& out_dir, const std::string& test, const std::string& split,
                             const std::string& lang);

}  // namespace vgs::data
