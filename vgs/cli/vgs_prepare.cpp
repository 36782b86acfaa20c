// vgs-prepare: builds datasets vgs trains and tests on. `vgs-prepare toy-world OUT_DIR` makes the toy
// ME world (espeak-ng speech, procedural pictures, manifests, trial lists) with no download;
// `vgs-prepare trials` writes a two-way trial list (familiar, ME or episodes) from manifests;
// `vgs-prepare import-me-vgs ME_VGS_DIR OUT_DIR` turns a me-vgs data folder into vgs's layout;
// `vgs-prepare captions` writes caption and image manifests from a caption corpus already on disk;
// `vgs-prepare toy-captions OUT_DIR` makes the toy caption world (scenes, captions with spans, foils).
#include <iomanip>
#include <iostream>
#include <set>
#include <sstream>

#include "vgs/cli/common.h"
#include "vgs/core/error.h"
#include "vgs/core/strings.h"
#include "vgs/data/caption_corpora.h"
#include "vgs/data/forced_choice.h"
#include "vgs/data/manifest.h"
#include "vgs/data/me_vgs_import.h"
#include "vgs/data/toy_captions.h"
#include "vgs/data/toy_world.h"
#include "vgs/data/trials.h"
#include "vgs/data/vocabulary.h"

namespace {

struct TrialsArguments {
  std::string audio, images, lang, test, out;
  int per_word = 50;
  int episodes = 1000;
  uint64_t seed = 42;
  bool allow_repeats = false;
  std::vector<std::string> familiar = vgs::data::english_forms(vgs::data::familiar_words());
  std::vector<std::string> novel = vgs::data::english_forms(vgs::data::novel_words());
  CLI::Option* per_word_option = nullptr;
  CLI::Option* episodes_option = nullptr;
  CLI::Option* familiar_option = nullptr;
  CLI::Option* novel_option = nullptr;
};

// Generates, checks and writes the trial list; returns the line to print.
std::string prepare_trials(const TrialsArguments& a) {
  using vgs::Error;
  if (a.test != "familiar" && a.test != "me" && a.test != "episodes")
    throw Error("--test must be familiar, me or episodes, got '" + a.test + "'");
  // Options that the chosen test would silently ignore are refused.
  if (a.test == "episodes" && a.per_word_option->count())
    throw Error("--per-word is for --test familiar and me; --test episodes takes --episodes");
  if (a.test != "episodes" && a.episodes_option->count())
    throw Error("--episodes is for --test episodes; --test " + a.test + " takes --per-word");
  if (a.test == "familiar" && a.novel_option->count()) throw Error("--novel-words is not used by --test familiar");
  if (a.familiar.empty()) throw Error("--familiar-words: no words given");
  if (a.novel.empty() && a.test != "familiar") throw Error("--novel-words: no words given");
  if (a.test == "episodes" && a.allow_repeats)
    throw Error("--allow-repeats is for --test familiar and me (episodes draw every trial independently already)");
  const auto repeats = a.allow_repeats ? vgs::data::Repeats::allowed : vgs::data::Repeats::forbidden;

  const auto audio = vgs::data::read_audio_manifest(a.audio);
  const auto images = vgs::data::read_image_manifest(a.images);
  std::set<std::string> languages;
  for (const auto& item : audio) languages.insert(item.lang);
  if (!languages.count(a.lang))
    throw Error(a.audio + ": no audio in '" + a.lang + "' (languages there: " +
                vgs::core::join({languages.begin(), languages.end()}, ", ") + ")");

  std::vector<vgs::data::Trial> trials;
  std::ostringstream line;
  if (a.test == "familiar") {
    trials = vgs::data::familiar_trials(audio, images, a.lang, a.familiar, a.per_word, a.seed, repeats);
    line << trials.size() << " familiar trials (" << a.familiar.size() << " words x " << a.per_word;
  } else if (a.test == "me") {
    trials = vgs::data::me_trials(audio, images, a.lang, a.novel, a.familiar, a.per_word, a.seed, repeats);
    line << trials.size() << " ME trials (" << a.novel.size() << " words x " << a.per_word;
  } else {
    trials = vgs::data::episode_trials(audio, images, a.lang, a.familiar, a.novel, a.episodes, a.seed);
    line << trials.size() << " episode trials (" << a.episodes << " episodes x (" << a.familiar.size()
         << " familiar + " << a.novel.size() << " novel words)";
  }
  vgs::data::check_trials(trials, audio, images);
  vgs::data::write_trials(a.out, trials);
  line << ", " << a.lang << ") in " << a.out;
  return line.str();
}

struct ToyWorldArguments {
  std::string out_dir;
  vgs::data::ToyWorldOptions options;
  int train_per_word = 0;
  CLI::Option* per_word_option = nullptr;
  CLI::Option* train_audio_option = nullptr;
  CLI::Option* train_images_option = nullptr;
};

void add_toy_world_command(CLI::App& app, ToyWorldArguments& a) {
  CLI::App* toy = app.add_subcommand("toy-world", "Make the toy ME world (speech by espeak-ng, drawn objects) in OUT_DIR");
  vgs::data::ToyWorldOptions& o = a.options;
  toy->add_option("OUT_DIR", a.out_dir, "folder to create (a finished toy world there is reused)")->required();
  // Counts show their defaults in --help.
  auto count = [&](const char* flag, int& value, const char* help) {
    return toy->add_option(flag, value, help)->capture_default_str();
  };
  toy->add_option("--seed", o.seed, "random seed; the same seed gives byte-identical files")->capture_default_str();
  toy->add_option("--languages", o.languages, "languages to speak, from en,fr,nl")->delimiter(',')->capture_default_str();
  toy->add_option("--familiar-words", o.familiar, "familiar words to include (English forms; default all 13)")->delimiter(',');
  toy->add_option("--novel-words", o.novel, "novel words to include (English forms; default all 19)")->delimiter(',');
  a.per_word_option = toy->add_option("--train-per-word", a.train_per_word,
                                      "shorthand: train audio per word and language AND train images per word");
  a.train_audio_option = count("--train-audio", o.train_audio, "train audio per familiar word and language");
  count("--val-audio", o.val_audio, "val audio per familiar word and language (0: no val split)");
  count("--test-audio", o.test_audio, "test audio per familiar word and language");
  a.train_images_option = count("--train-images", o.train_images, "train images per familiar word");
  count("--val-images", o.val_images, "val images per familiar word (0: no val split)");
  count("--test-images", o.test_images, "test images per familiar word");
  count("--novel-audio", o.novel_audio, "test audio per novel word and language");
  count("--novel-images", o.novel_images, "test images per novel word");
  count("--trials-per-word", o.trials_per_word, "two-way trials per word in each trial list");
  count("--image-size", o.image_size, "picture side in pixels");
  count("--threads", o.threads, "rendering threads (the output does not depend on it)");
  toy->add_option("--espeak", o.espeak, "the espeak-ng program")->capture_default_str();
  toy->add_flag("--force", o.force, "remake a finished toy world");
}

CLI::App* add_trials_command(CLI::App& app, TrialsArguments& t) {
  CLI::App* trials = app.add_subcommand("trials", "Write a two-way trial list (familiar, ME or episodes) from manifests");
  trials->add_option("--audio", t.audio, "audio manifest (JSON Lines)")->required();
  trials->add_option("--images", t.images, "image manifest (JSON Lines)")->required();
  trials->add_option("--lang", t.lang, "language of the trials' audio (en, fr, nl)")->required();
  trials->add_option("--test", t.test, "familiar, me or episodes (the older TACL protocol)")->required();
  trials->add_option("--out", t.out, "trial file to write (JSON Lines; written atomically)")->required();
  t.per_word_option = trials->add_option("--per-word", t.per_word, "trials per word (familiar, me)")->capture_default_str();
  t.episodes_option = trials->add_option("--episodes", t.episodes, "episodes (episodes)")->capture_default_str();
  trials->add_flag("--allow-repeats", t.allow_repeats,
                   "keep every draw, so a triple may come twice (me-vgs); default: each trial once");
  trials->add_option("--seed", t.seed, "random seed; the same manifests and seed give the same file")->capture_default_str();
  t.familiar_option = trials->add_option("--familiar-words", t.familiar, "familiar words (English forms; default the 13)")
                          ->delimiter(',');
  t.novel_option = trials->add_option("--novel-words", t.novel, "novel words (English forms; default the 19)")->delimiter(',');
  return trials;
}

// Makes (or reuses) the toy world and prints what is there.
void prepare_toy_world(ToyWorldArguments& a) {
  vgs::data::ToyWorldOptions& o = a.options;
  // The specific counts win over the shorthand.
  if (a.per_word_option->count()) {
    if (!a.train_audio_option->count()) o.train_audio = a.train_per_word;
    if (!a.train_images_option->count()) o.train_images = a.train_per_word;
  }
  const auto result = vgs::data::make_toy_world(a.out_dir, o);
  std::cout << "toy world in " << result.dir << ": " << result.audio_items << " audio items, " << result.image_items
            << " images, " << result.trials << " trials";
  if (result.reused) std::cout << " (already there; --force remakes it)\n";
  else std::cout << " (made in " << std::fixed << std::setprecision(1) << result.seconds << " s)\n";
}

struct ImportArguments {
  std::string me_vgs_dir, out_dir;
};

CLI::App* add_import_command(CLI::App& app, ImportArguments& a) {
  CLI::App* import = app.add_subcommand(
      "import-me-vgs", "Turn a me-vgs data folder (file lists, trial lists, validation samples) into vgs manifests, "
                       "trial lists and validation draws under OUT_DIR (docs/reproducing.md)");
  import->add_option("ME_VGS_DIR", a.me_vgs_dir, "me-vgs checkout (or its data/ folder) with data/filelists/")->required();
  import->add_option("OUT_DIR", a.out_dir, "where manifests/, trials/ and draws/ are written (e.g. data/me)")->required();
  return import;
}

void import_me_vgs(const ImportArguments& a) {
  const auto report = vgs::data::import_me_vgs(a.me_vgs_dir, a.out_dir);
  for (const auto& path : report.written) std::cout << "wrote " << path << "\n";
  for (const auto& path : report.missing) std::cout << "not in the me-vgs folder (skipped): " << path << "\n";
}

// The manifest written beside `out`: out.jsonl -> out<suffix>.
std::string beside(const std::string& out, const std::string& suffix) {
  const bool jsonl = out.size() > 6 && out.compare(out.size() - 6, 6, ".jsonl") == 0;
  return (jsonl ? out.substr(0, out.size() - 6) : out) + suffix;
}

struct CaptionsArguments {
  std::string corpus, root, split, out, images;
};

CLI::App* add_captions_command(CLI::App& app, CaptionsArguments& a) {
  CLI::App* captions = app.add_subcommand(
      "captions", "Write a caption manifest and an image manifest from a caption corpus in its public layout "
                  "(docs/captions.md; nothing is downloaded)");
  captions->add_option("--corpus", a.corpus, "flickr30k_entities, coco or cc (Conceptual Captions)")
      ->required()->check(CLI::IsMember({"flickr30k_entities", "coco", "cc"}));
  captions->add_option("--root", a.root, "the corpus folder")->required();
  captions->add_option("--split", a.split, "flickr30k_entities: train, val or test (default: every image); "
                                           "coco: train or val (required); cc: train or val (required)");
  captions->add_option("--out", a.out, "caption manifest to write (JSON Lines)")->required();
  captions->add_option("--images", a.images, "image manifest to write (default: <out without .jsonl>_images.jsonl)");
  return captions;
}

void prepare_captions(CaptionsArguments a) {
  if (a.split.empty() && a.corpus != "flickr30k_entities")
    throw vgs::Error("--split is required for --corpus " + a.corpus + " (train or val)");
  if (a.images.empty()) a.images = beside(a.out, "_images.jsonl");
  const auto corpus = vgs::data::read_caption_corpus(a.corpus, a.root, a.split);
  vgs::data::write_caption_manifest(a.out, corpus.captions);
  vgs::data::write_image_manifest(a.images, corpus.images);
  std::cout << corpus.captions.size() << " captions of " << corpus.images.size() << " images in " << a.out << " and "
            << a.images;
  if (corpus.missing_images > 0)
    std::cout << " (" << corpus.missing_images << " listed images not on disk: left out with their captions)";
  std::cout << "\n";
}

struct FoilArguments {
  std::string annotations, image_dir, out, images;
};

CLI::App* add_foil_command(CLI::App& app, FoilArguments& a) {
  CLI::App* foil = app.add_subcommand(
      "foil-coco", "Write FOIL-COCO's released annotations as a forced-choice file and an image manifest (docs/captions.md)");
  foil->add_option("--annotations", a.annotations, "foilv1.0_train_2017.json or foilv1.0_test_2017.json")->required();
  foil->add_option("--image-dir", a.image_dir, "the COCO 2014 images they name (train2014 or val2014)")->required();
  foil->add_option("--out", a.out, "forced-choice file to write (JSON Lines)")->required();
  foil->add_option("--images", a.images, "image manifest to write (default: <out without .jsonl>_images.jsonl)");
  return foil;
}

// Writes a forced-choice set and its image manifest, and says what was left out.
void write_forced_choice_set(const vgs::data::ForcedChoiceSet& set, const FoilArguments& a) {
  const std::string images = a.images.empty() ? beside(a.out, "_images.jsonl") : a.images;
  vgs::data::write_forced_choice(a.out, set.items);
  vgs::data::write_image_manifest(images, set.images);
  std::cout << set.items.size() << " forced-choice items of " << set.images.size() << " images in " << a.out << " and "
            << images;
  if (set.missing_images > 0) std::cout << " (" << set.missing_images << " listed images not in --image-dir: left out)";
  if (set.unpaired_foils > 0) std::cout << " (" << set.unpaired_foils << " foils without their original caption: left out)";
  if (set.unclassified > 0)
    std::cout << " (" << set.unclassified << " rows whose negative is of no or several kinds: left out)";
  std::cout << "\n";
}

CLI::App* add_svo_command(CLI::App& app, FoilArguments& a) {
  CLI::App* svo = app.add_subcommand(
      "svo-probes", "Write SVO-Probes (svo_probes.csv and its downloaded images) as a forced-choice file and an image manifest");
  svo->add_option("--csv", a.annotations, "svo_probes.csv as released")->required();
  svo->add_option("--image-dir", a.image_dir, "the images of its URL list, saved as <image id>.jpg")->required();
  svo->add_option("--out", a.out, "forced-choice file to write (JSON Lines)")->required();
  svo->add_option("--images", a.images, "image manifest to write (default: <out without .jsonl>_images.jsonl)");
  return svo;
}

struct ToyCaptionsArguments {
  std::string out_dir;
  vgs::data::ToyCaptionsOptions options;
};

CLI::App* add_toy_captions_command(CLI::App& app, ToyCaptionsArguments& a) {
  CLI::App* toy = app.add_subcommand(
      "toy-captions", "Make the toy caption world (drawn scenes, captions with phrase spans, one-phrase foils) in OUT_DIR");
  vgs::data::ToyCaptionsOptions& o = a.options;
  toy->add_option("OUT_DIR", a.out_dir, "folder to write (its files are replaced)")->required();
  toy->add_option("--seed", o.seed, "random seed; the same seed gives byte-identical files")->capture_default_str();
  toy->add_option("--train", o.train_scenes, "train pictures")->capture_default_str();
  toy->add_option("--val", o.val_scenes, "val pictures (0: no val split)")->capture_default_str();
  toy->add_option("--test", o.test_scenes, "test pictures (0: no test split)")->capture_default_str();
  toy->add_option("--image-size", o.image_size, "picture side in pixels")->capture_default_str();
  return toy;
}

void prepare_toy_captions(const ToyCaptionsArguments& a) {
  const auto result = vgs::data::make_toy_captions(a.out_dir, a.options);
  std::cout << "toy captions in " << result.dir << ": " << result.images << " pictures, " << result.captions
            << " captions, " << result.foils << " foils\n";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Prepare datasets for vgs", "vgs-prepare"};
  std::string log_level = "info";
  vgs::cli::add_log_level_argument(app, log_level);
  app.require_subcommand(1);
  app.fallthrough();  // --log-level also after the subcommand
  ToyWorldArguments toy_world;
  add_toy_world_command(app, toy_world);
  TrialsArguments t;
  CLI::App* trials = add_trials_command(app, t);
  ImportArguments import_arguments;
  CLI::App* import = add_import_command(app, import_arguments);
  CaptionsArguments captions_arguments;
  CLI::App* captions = add_captions_command(app, captions_arguments);
  FoilArguments foil_arguments;
  CLI::App* foil = add_foil_command(app, foil_arguments);
  FoilArguments svo_arguments;
  CLI::App* svo = add_svo_command(app, svo_arguments);
  ToyCaptionsArguments toy_captions_arguments;
  CLI::App* toy_captions = add_toy_captions_command(app, toy_captions_arguments);

  return vgs::cli::run_program(app, argc, argv, log_level, [&] {
    if (trials->parsed()) std::cout << prepare_trials(t) << "\n";
    else if (import->parsed()) import_me_vgs(import_arguments);
    else if (captions->parsed()) prepare_captions(captions_arguments);
    else if (foil->parsed())
      write_forced_choice_set(vgs::data::read_foil_coco(foil_arguments.annotations, foil_arguments.image_dir), foil_arguments);
    else if (svo->parsed())
      write_forced_choice_set(vgs::data::read_svo_probes(svo_arguments.annotations, svo_arguments.image_dir), svo_arguments);
    else if (toy_captions->parsed()) prepare_toy_captions(toy_captions_arguments);
    else prepare_toy_world(toy_world);
    return 0;
  });
}
