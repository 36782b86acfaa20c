// vgs-prepare: builds datasets vgs trains and tests on. `vgs-prepare toy-world OUT_DIR` makes the toy
// ME world (espeak-ng speech, procedural pictures, manifests, trial lists) with no download.
#include <iomanip>
#include <iostream>

#include "vgs/cli/common.h"
#include "vgs/data/toy_world.h"

int main(int argc, char** argv) {
  CLI::App app{"Prepare datasets for vgs", "vgs-prepare"};
  std::string log_level = "info";
  vgs::cli::add_log_level_argument(app, log_level);
  app.require_subcommand(1);
  app.fallthrough();  // --log-level also after the subcommand

  CLI::App* toy = app.add_subcommand("toy-world", "Make the toy ME world (speech by espeak-ng, drawn objects) in OUT_DIR");
  std::string out_dir;
  vgs::data::ToyWorldOptions o;
  int train_per_word = 0;
  toy->add_option("OUT_DIR", out_dir, "folder to create (a finished toy world there is reused)")->required();
  // Counts show their defaults in --help.
  auto count = [&](const char* flag, int& value, const char* help) {
    return toy->add_option(flag, value, help)->capture_default_str();
  };
  toy->add_option("--seed", o.seed, "random seed; the same seed gives byte-identical files")->capture_default_str();
  toy->add_option("--languages", o.languages, "languages to speak, from en,fr,nl")->delimiter(',')->capture_default_str();
  toy->add_option("--familiar-words", o.familiar, "familiar words to include (English forms; default all 13)")->delimiter(',');
  toy->add_option("--novel-words", o.novel, "novel words to include (English forms; default all 19)")->delimiter(',');
  auto* per_word = toy->add_option("--train-per-word", train_per_word,
                                   "shorthand: train audio per word and language AND train images per word");
  auto* train_audio = count("--train-audio", o.train_audio, "train audio per familiar word and language");
  count("--val-audio", o.val_audio, "val audio per familiar word and language (0: no val split)");
  count("--test-audio", o.test_audio, "test audio per familiar word and language");
  auto* train_images = count("--train-images", o.train_images, "train images per familiar word");
  count("--val-images", o.val_images, "val images per familiar word (0: no val split)");
  count("--test-images", o.test_images, "test images per familiar word");
  count("--novel-audio", o.novel_audio, "test audio per novel word and language");
  count("--novel-images", o.novel_images, "test images per novel word");
  count("--trials-per-word", o.trials_per_word, "two-way trials per word in each trial list");
  count("--image-size", o.image_size, "picture side in pixels");
  count("--threads", o.threads, "rendering threads (the output does not depend on it)");
  toy->add_option("--espeak", o.espeak, "the espeak-ng program")->capture_default_str();
  toy->add_flag("--force", o.force, "remake a finished toy world");

  return vgs::cli::run_program(app, argc, argv, log_level, [&] {
    // The specific counts win over the shorthand.
    if (per_word->count()) {
      if (!train_audio->count()) o.train_audio = train_per_word;
      if (!train_images->count()) o.train_images = train_per_word;
    }
    const auto result = vgs::data::make_toy_world(out_dir, o);
    std::cout << "toy world in " << result.dir << ": " << result.audio_items << " audio items, " << result.image_items
              << " images, " << result.trials << " trials";
    if (result.reused) std::cout << " (already there; --force remakes it)\n";
    else std::cout << " (made in " << std::fixed << std::setprecision(1) << result.seconds << " s)\n";
    return 0;
  });
}
