// Small toy worlds for tests.
#include "tests/support/toy_fixture.h"

#include <map>
#include <memory>
#include <tuple>

#include "tests/support/temp_dir.h"
#include "vgs/data/toy_world.h"

namespace vgs::test {

const std::string& small_toy_world(int train, int val, int trials_per_word, int image_size) {
  static TempDir dir;
  static std::map<std::tuple<int, int, int, int>, std::string> made;
  auto key = std::make_tuple(train, val, trials_per_word, image_size);
  auto it = made.find(key);
  if (it != made.end()) return it->second;
  data::ToyWorldOptions o;
  o.languages = {"en"};
  o.familiar = {"dog", "cat", "car"};
  o.novel = {"ball", "cup"};
  o.train_audio = o.train_images = train;
  o.val_audio = o.val_images = val;
  o.test_audio = o.test_images = 2;
  o.novel_audio = o.novel_images = 2;
  o.trials_per_word = trials_per_word;
  o.image_size = image_size;
  o.progress = false;
  const std::string path = dir.file("world-" + std::to_string(made.size()));
  data::make_toy_world(path, o);
  return made.emplace(key, path).first->second;
}

}  // namespace vgs::test
