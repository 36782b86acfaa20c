// Test support: small toy worlds, made once per test program, for tests that train, evaluate or
// generate trials on real files without the 22 s of the full world.
#pragma once

#include <string>

namespace vgs::test {

// English only, 3 familiar words (dog, cat, car) and 2 novel (ball, cup); per word: `train` train
// audio and images, `val` val, 2 test and 2 novel items; `trials_per_word` trials; square pictures of
// `image_size`. The same arguments give the same folder within a program.
const std::string& small_toy_world(int train, int val, int trials_per_word, int image_size);

// small_toy_world(4, 2, 4, 32), spoken in English, French and Dutch: for the paper recipes' languages.
const std::string& small_trilingual_toy_world();

class TempDir;
// A two-epoch recipe (5 steps an epoch) on small_toy_world(6, 2, 4, 64) with fbank and patches,
// written as dir/<run>.yaml with run.dir dir/<run>; returns its path.
std::string write_small_toy_recipe(const TempDir& dir, const std::string& run);

}  // namespace vgs::test
