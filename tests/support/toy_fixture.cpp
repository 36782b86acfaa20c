// Small toy worlds for tests.
#include "tests/support/toy_fixture.h"

#include <map>
#include <memory>
#include <tuple>

#include "tests/support/temp_dir.h"
#include "vgs/data/toy_world.h"

namespace vgs::test {

namespace {

const std::string& small_world(int train, int val, int trials_per_word, int image_size,
                               const std::vector<std::string>& languages) {
  static TempDir dir;
  static std::map<std::tuple<int, int, int, int, std::vector<std::string>>, std::string> made;
  auto key = std::make_tuple(train, val, trials_per_word, image_size, languages);
  auto it = made.find(key);
  if (it != made.end()) return it->second;
  data::ToyWorldOptions o;
  o.languages = languages;
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

}  // namespace

const std::string& small_toy_world(int train, int val, int trials_per_word, int image_size) {
  return small_world(train, val, trials_per_word, image_size, {"en"});
}

const std::string& small_trilingual_toy_world() { return small_world(4, 2, 4, 32, {"en", "fr", "nl"}); }

std::string write_small_toy_recipe(const TempDir& dir, const std::string& run) {
  const std::string& w = small_toy_world(6, 2, 4, 64);
  return dir.write(run + ".yaml",
                   "run: {name: " + run + ", dir: " + dir.file(run) + ", seed: 3}\n"
                   "splits:\n  languages: [en]\n"
                   "  train_audio: " + w + "/manifests/audio_train.jsonl\n  train_images: " + w + "/manifests/images_train.jsonl\n"
                   "  valid_audio: " + w + "/manifests/audio_val.jsonl\n  valid_images: " + w + "/manifests/images_val.jsonl\n"
                   "  valid_trials: [" + w + "/trials/familiar_val_en.jsonl]\n"
                   "  test_audio: " + w + "/manifests/audio_test.jsonl\n  test_images: " + w + "/manifests/images_test.jsonl\n"
                   "  test_trials: [" + w + "/trials/familiar_test_en.jsonl, " + w + "/trials/me_test_en.jsonl]\n"
                   "audio_backbone: {name: fbank}\nimage_backbone: {name: patches}\n"
                   "image: {resize: 64}\nmodel: {width: 64, embed_dim: 32}\n"
                   "loss: {negatives_per_item: 3}\n"
                   "train: {epochs: 2, batch_size: 4, warmup_epochs: 1, threads: 1, log_every: 1}\n");
}

}  // namespace vgs::test
