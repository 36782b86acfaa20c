// The toy world: every file's random parameters are drawn from the seed first (one stream per word,
// language and split), then speech (espeak-ng) and pictures (vgs/data/toy_images) are rendered in
// parallel, and the manifests, trial lists and toy_world.json (last, the "finished" mark) are written.
#include "vgs/data/toy_world.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "vgs/core/digest.h"
#include "vgs/core/error.h"
#include "vgs/core/fs.h"
#include "vgs/core/log.h"
#include "vgs/core/progress.h"
#include "vgs/core/strings.h"
#include "vgs/data/manifest.h"
#include "vgs/data/toy_images.h"
#include "vgs/data/trials.h"
#include "vgs/data/vocabulary.h"
#include "vgs/io/audio.h"

extern char** environ;

namespace vgs::data {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;  // keeps toy_world.json in a readable, fixed key order

constexpr const char* kFinished = "toy_world.json";
constexpr const char* kPartial = "toy_world.partial";
// What make_toy_world creates, and so what it may remove when remaking a world.
const char* const kOwnEntries[] = {"audio", "images", "manifests", "trials", kFinished, kPartial};
const std::vector<std::string> kSplits{"train", "val", "test"};

// espeak-ng's own voices per language (no mbrola, which Debian packages separately), and the voice
// variants layered on them: together they stand in for speakers.
const std::map<std::string, std::vector<std::string>>& base_voices() {
  static const std::map<std::string, std::vector<std::string>> voices{
      {"en", {"en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp"}}, {"fr", {"fr-fr", "fr-be", "fr-ch"}}, {"nl", {"nl"}}};
  return voices;
}
const std::vector<std::string> kVariants{"m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5"};

struct AudioJob {
  std::string path;   // absolute
  std::string text;   // the spoken form
  std::string voice;  // "en-us+m3"
  int rate = 160;     // words per minute
  int pitch = 50;     // 0-99
  double peak = 0.7;  // gain: the word's peak amplitude
  double snr_db = 35;
  double lead_seconds = 0.1, trail_seconds = 0.1;
  uint64_t noise_seed = 0;
};

// A word's picture style: its own shape, and textures of its kind (novel objects wear none of the
// familiar ones).
ToyStyle style_of(const std::string& english) {
  return toy_style(word_index(english), word(english).kind == WordKind::novel ? ToyLook::novel : ToyLook::familiar);
}

struct ImageJob {
  std::string path;  // absolute
  ToyStyle style;
  ToyPose pose;
};

struct Plan {
  std::map<std::string, std::vector<AudioItem>> audio;   // by split; paths relative to manifests/
  std::map<std::string, std::vector<ImageItem>> images;  // by split
  std::vector<AudioJob> audio_jobs;
  std::vector<ImageJob> image_jobs;
  std::vector<std::pair<std::string, std::vector<Trial>>> trials;  // file path, trials
};

// One random stream per name, so that adding a word or a split leaves the other files unchanged.
std::mt19937_64 stream(uint64_t seed, const std::string& name) {
  return std::mt19937_64(core::fnv1a64(name + "#" + std::to_string(seed)));
}

int uniform_int(std::mt19937_64& rng, int lo, int hi) {  // [lo, hi]
  return lo + static_cast<int>(uniform_index(rng, static_cast<uint64_t>(hi - lo + 1)));
}

std::string numbered(const std::string& stem, int number) {
  char digits[16];
  std::snprintf(digits, sizeof digits, "%03d", number);
  return stem + "_" + digits;
}

// Words: the defaults, or the given ones checked against the vocabulary and their kind.
std::vector<std::string> resolve_words(const std::vector<std::string>& given, WordKind kind) {
  const char* name = kind == WordKind::familiar ? "familiar" : "novel";
  if (given.empty()) return english_forms(kind == WordKind::familiar ? familiar_words() : novel_words());
  std::set<std::string> seen;
  for (const auto& w : given) {
    if (word(w).kind != kind) throw Error("toy world: '" + w + "' is not a " + name + " word");
    if (!seen.insert(w).second) throw Error("toy world: " + std::string(name) + " word '" + w + "' is listed twice");
  }
  return given;
}

void check_count(const char* name, int value, int minimum) {
  if (value < minimum)
    throw Error("toy world: " + std::string(name) + " must be at least " + std::to_string(minimum) + ", got " +
                std::to_string(value));
}

void check_options(const ToyWorldOptions& o) {
  if (o.languages.empty()) throw Error("toy world: no languages");
  std::set<std::string> seen;
  for (const auto& lang : o.languages) {
    if (!base_voices().count(lang)) throw Error("toy world: language '" + lang + "' is not one of en, fr, nl");
    if (!seen.insert(lang).second) throw Error("toy world: language '" + lang + "' is listed twice");
  }
  check_count("train audio per word", o.train_audio, 1);
  check_count("val audio per word", o.val_audio, 0);
  check_count("test audio per word", o.test_audio, 1);
  check_count("train images per word", o.train_images, 1);
  check_count("val images per word", o.val_images, 0);
  check_count("test images per word", o.test_images, 1);
  check_count("novel audio per word", o.novel_audio, 1);
  check_count("novel images per word", o.novel_images, 1);
  check_count("trials per word", o.trials_per_word, 1);
  check_count("image size", o.image_size, 32);
  check_count("sample rate", o.sample_rate, 8000);
  check_count("threads", o.threads, 1);
  if ((o.val_audio == 0) != (o.val_images == 0))
    throw Error("toy world: a val split needs both audio and images (set both counts to 0 to have none)");
}

// The version of how pictures are drawn: 2 gave novel objects textures of their own. A world drawn by
// another version is remade on its next use, since the same options no longer give the same files.
constexpr int kDrawingVersion = 2;

// The options that decide the output: what toy_world.json records and a reuse must match.
Json options_json(const ToyWorldOptions& o, const std::vector<std::string>& familiar,
                  const std::vector<std::string>& novel) {
  return Json{{"drawing", kDrawingVersion},
              {"seed", o.seed},
              {"languages", o.languages},
              {"familiar", familiar},
              {"novel", novel},
              {"train_audio", o.train_audio},
              {"val_audio", o.val_audio},
              {"test_audio", o.test_audio},
              {"train_images", o.train_images},
              {"val_images", o.val_images},
              {"test_images", o.test_images},
              {"novel_audio", o.novel_audio},
              {"novel_images", o.novel_images},
              {"trials_per_word", o.trials_per_word},
              {"image_size", o.image_size},
              {"sample_rate", o.sample_rate}};
}

AudioJob draw_audio(std::mt19937_64& rng, const std::string& lang) {
  const auto& voices = base_voices().at(lang);
  AudioJob job;
  job.voice = voices[uniform_index(rng, voices.size())] + "+" + kVariants[uniform_index(rng, kVariants.size())];
  job.rate = uniform_int(rng, 125, 185);
  job.pitch = uniform_int(rng, 25, 75);
  job.peak = uniform_real(rng, 0.35, 0.9);
  job.snr_db = uniform_real(rng, 25, 45);
  job.lead_seconds = uniform_real(rng, 0.05, 0.3);
  job.trail_seconds = uniform_real(rng, 0.05, 0.3);
  job.noise_seed = rng();
  return job;
}

ToyPose draw_pose(std::mt19937_64& rng, int source) {
  ToyPose pose;
  pose.angle = uniform_real(rng, 0, 360);
  pose.scale = uniform_real(rng, 0.5, 0.8);
  // Outlines fit the unit disc, so the object stays inside the picture with a margin.
  const double room = 0.95 - pose.scale;
  pose.dx = uniform_real(rng, -room, room);
  pose.dy = uniform_real(rng, -room, room);
  pose.texture_scale = uniform_real(rng, 0.8, 1.25);
  pose.texture_phase = uniform_real(rng, 0, 1);
  const double brightness = uniform_real(rng, -15, 15);
  for (auto& shift : pose.colour_shift) shift = brightness + uniform_real(rng, -6, 6);
  pose.source = source;
  return pose;
}

void plan_audio(Plan& plan, const std::string& dir, const ToyWorldOptions& o, const std::string& split,
                const std::string& lang, const std::string& english, int count) {
  std::mt19937_64 rng = stream(o.seed, "audio/" + lang + "/" + english + "/" + split);
  for (int i = 1; i <= count; ++i) {
    const std::string name = numbered(english + "_" + split, i);
    AudioJob job = draw_audio(rng, lang);
    job.text = word(english).form(lang);
    job.path = dir + "/audio/" + lang + "/" + name + ".wav";
    AudioItem item;
    item.id = lang + "_" + name;
    item.path = "../audio/" + lang + "/" + name + ".wav";  // relative to manifests/
    item.lang = lang;
    item.label = english;
    item.speaker = job.voice;
    item.source = "espeak-ng";
    plan.audio[split].push_back(item);
    plan.audio_jobs.push_back(std::move(job));
  }
}

void plan_images(Plan& plan, const std::string& dir, const ToyWorldOptions& o, const std::string& split,
                 const std::string& english, int count) {
  std::mt19937_64 rng = stream(o.seed, "image/" + english + "/" + split);
  for (int i = 1; i <= count; ++i) {
    const std::string name = numbered(english + "_" + split, i);
    // Sources alternate, so every word with two or more images in a split has both.
    const int source = (i - 1) % toy_source_count;
    plan.image_jobs.push_back(ImageJob{dir + "/images/" + name + ".png", style_of(english), draw_pose(rng, source)});
    plan.images[split].push_back(ImageItem{"img_" + name, "../images/" + name + ".png", english,
                                           toy_source_name(source), 0});
  }
}

uint64_t trial_seed(uint64_t seed, const std::string& name) {
  return core::fnv1a64("trials/" + name + "#" + std::to_string(seed));
}

// Trials are made from the plan, before anything is rendered, so an impossible configuration fails fast.
void plan_trials(Plan& plan, const std::string& dir, const ToyWorldOptions& o, const std::vector<std::string>& familiar,
                 const std::vector<std::string>& novel) {
  for (const auto& lang : o.languages) {
    for (const std::string split : {"val", "test"}) {
      if (plan.images[split].empty()) continue;
      const std::string name = "familiar_" + split + "_" + lang;
      plan.trials.emplace_back(toy_world_trials(dir, "familiar", split, lang),
                               familiar_trials(plan.audio[split], plan.images[split], lang, familiar,
                                               o.trials_per_word, trial_seed(o.seed, name)));
    }
    // Novel words have test items only, so there is no ME val list.
    plan.trials.emplace_back(toy_world_trials(dir, "me", "test", lang),
                             me_trials(plan.audio["test"], plan.images["test"], lang, novel, familiar,
                                       o.trials_per_word, trial_seed(o.seed, "me_test_" + lang)));
  }
}

Plan make_plan(const std::string& dir, const ToyWorldOptions& o, const std::vector<std::string>& familiar,
               const std::vector<std::string>& novel) {
  Plan plan;
  const std::map<std::string, std::pair<int, int>> counts{
      {"train", {o.train_audio, o.train_images}},
      {"val", {o.val_audio, o.val_images}},
      {"test", {o.test_audio, o.test_images}}};
  for (const auto& split : kSplits) {
    const auto [audio_count, image_count] = counts.at(split);
    for (const auto& lang : o.languages)
      for (const auto& w : familiar) plan_audio(plan, dir, o, split, lang, w, audio_count);
    for (const auto& w : familiar) plan_images(plan, dir, o, split, w, image_count);
  }
  for (const auto& lang : o.languages)
    for (const auto& w : novel) plan_audio(plan, dir, o, "test", lang, w, o.novel_audio);
  for (const auto& w : novel) plan_images(plan, dir, o, "test", w, o.novel_images);
  plan_trials(plan, dir, o, familiar, novel);
  return plan;
}

// ---- speech -------------------------------------------------------------------------------------

bool executable_found(const std::string& program) {
  if (program.find('/') != std::string::npos) return ::access(program.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  for (const auto& folder : core::split(path ? path : "", ':'))
    if (!folder.empty() && ::access((folder + "/" + program).c_str(), X_OK) == 0) return true;
  return false;
}

std::string missing_espeak(const std::string& program) {
  return program + " not found: the toy world speaks with espeak-ng; install the espeak-ng package "
                   "(apt-get install espeak-ng)";
}

// Runs `program args...` without a shell, its stdout discarded; vgs::Error when it fails.
void run_program(const std::string& program, const std::vector<std::string>& args, const std::string& what) {
  std::vector<char*> argv{const_cast<char*>(program.c_str())};
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  // posix_spawnp (vfork + exec) is safe to call from several threads, unlike fork().
  const int rc = posix_spawnp(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc == ENOENT) throw Error(missing_espeak(program));
  if (rc != 0) throw Error("cannot run " + program + ": " + std::strerror(rc));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) throw Error("waiting for " + program + ": " + std::strerror(errno));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw Error(program + " failed (" +
                (WIFEXITED(status) ? "exit code " + std::to_string(WEXITSTATUS(status)) : std::string("killed")) +
                ") " + what);
}

// The word cut to where it is audible, at a random peak, between random silences, with white noise at
// a random signal-to-noise ratio: the variation recorded words have and synthetic ones lack.
std::vector<float> augment(const std::vector<float>& speech, const AudioJob& job, int sample_rate) {
  float peak = 0;
  for (float x : speech) peak = std::max(peak, std::abs(x));
  if (peak <= 0) return speech;
  const float threshold = 0.02f * peak;
  size_t first = 0, last = speech.size();
  while (first < speech.size() && std::abs(speech[first]) < threshold) ++first;
  while (last > first && std::abs(speech[last - 1]) < threshold) --last;
  const size_t margin = static_cast<size_t>(0.01 * sample_rate);
  first = first > margin ? first - margin : 0;
  last = std::min(speech.size(), last + margin);

  const size_t lead = static_cast<size_t>(job.lead_seconds * sample_rate);
  const size_t trail = static_cast<size_t>(job.trail_seconds * sample_rate);
  std::vector<float> out(lead + (last - first) + trail, 0.0f);
  const double gain = job.peak / peak;
  double energy = 0;
  for (size_t i = first; i < last; ++i) {
    out[lead + i - first] = static_cast<float>(speech[i] * gain);
    energy += out[lead + i - first] * out[lead + i - first];
  }
  const double rms = std::sqrt(energy / static_cast<double>(last - first));
  // Uniform noise on [-a, a] has RMS a / sqrt(3).
  const double amplitude = rms * std::pow(10.0, -job.snr_db / 20) * std::sqrt(3.0);
  std::mt19937_64 rng(job.noise_seed);
  for (float& x : out) x += static_cast<float>(uniform_real(rng, -amplitude, amplitude));
  return out;
}

void render_audio(const AudioJob& job, const ToyWorldOptions& o) {
  fs::create_directories(fs::path(job.path).parent_path());
  const std::string spoken = job.path + ".espeak.wav";
  const std::string what = "speaking '" + job.text + "' with voice " + job.voice;
  run_program(o.espeak,
              {"-b", "1", "-v", job.voice, "-s", std::to_string(job.rate), "-p", std::to_string(job.pitch), "-w",
               spoken, job.text},
              what);
  std::vector<float> speech;
  try {
    speech = io::read_audio(spoken, o.sample_rate);
  } catch (...) {
    fs::remove(spoken);
    throw;
  }
  fs::remove(spoken);
  if (speech.empty()) throw Error(o.espeak + " produced no audio " + what);
  io::write_audio(job.path, augment(speech, job, o.sample_rate), o.sample_rate, io::AudioFormat::wav_pcm16);
}

// ---- rendering ----------------------------------------------------------------------------------

// Every job is a pure function of its planned parameters, so the order threads take them in does not
// change a byte of the output.
void render(const Plan& plan, const ToyWorldOptions& o) {
  const size_t audio_count = plan.audio_jobs.size(), total = audio_count + plan.image_jobs.size();
  for (const auto& job : plan.image_jobs) fs::create_directories(fs::path(job.path).parent_path());
  std::unique_ptr<core::Progress> progress;
  if (o.progress) progress = std::make_unique<core::Progress>("[toy] rendering", static_cast<int64_t>(total), "files");
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mutex;
  std::exception_ptr error;
  auto worker = [&] {
    while (!failed) {
      const size_t k = next++;
      if (k >= total) return;
      try {
        if (k < audio_count) {
          render_audio(plan.audio_jobs[k], o);
        } else {
          const ImageJob& job = plan.image_jobs[k - audio_count];
          write_toy_image(job.path, job.style, job.pose, o.image_size);
        }
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!error) error = std::current_exception();
        failed = true;
        return;
      }
      if (progress) {
        std::lock_guard<std::mutex> lock(mutex);
        progress->advance();
      }
    }
  };
  std::vector<std::thread> threads;
  const size_t n = std::min(static_cast<size_t>(o.threads), std::max<size_t>(total, 1));
  for (size_t i = 0; i < n; ++i) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  if (error) std::rethrow_exception(error);
  if (progress) progress->finish();
}

// ---- the folder ---------------------------------------------------------------------------------

Json vocabulary_json(const std::vector<std::string>& words) {
  Json out = Json::array();
  for (const auto& english : words) {
    const Word& w = word(english);
    const ToyStyle style = style_of(english);
    out.push_back(Json{{"en", w.english},
                       {"fr", w.french},
                       {"nl", w.dutch},
                       {"shape", toy_shape_name(style.shape)},
                       {"texture", toy_texture_name(style.texture)},
                       {"colour", style.colour},
                       {"pattern", style.pattern}});
  }
  return out;
}

Json summary_json(const Plan& plan, const Json& options, const std::vector<std::string>& familiar,
                  const std::vector<std::string>& novel, const std::string& dir) {
  Json audio_counts = Json::object(), image_counts = Json::object(), trial_counts = Json::object();
  for (const auto& split : kSplits) {
    audio_counts[split] = plan.audio.count(split) ? plan.audio.at(split).size() : 0;
    image_counts[split] = plan.images.count(split) ? plan.images.at(split).size() : 0;
  }
  for (const auto& [path, trials] : plan.trials)
    trial_counts[fs::path(path).lexically_relative(dir).string()] = trials.size();
  Json voices = Json::object();
  for (const auto& lang : options["languages"]) voices[lang.get<std::string>()] = base_voices().at(lang.get<std::string>());
  return Json{{"format", "vgs-toy-world"},
              {"format_version", 1},
              {"options", options},
              {"vocabulary", {{"familiar", vocabulary_json(familiar)}, {"novel", vocabulary_json(novel)}}},
              {"image_sources", {toy_source_name(0), toy_source_name(1)}},
              {"voices", voices},
              {"voice_variants", kVariants},
              {"audio_items", audio_counts},
              {"image_items", image_counts},
              {"trials", trial_counts}};
}

ToyWorldResult counts_of(const Json& summary, const std::string& dir) {
  ToyWorldResult result;
  result.dir = dir;
  for (const auto& [split, n] : summary.at("audio_items").items()) result.audio_items += n.get<int64_t>();
  for (const auto& [split, n] : summary.at("image_items").items()) result.image_items += n.get<int64_t>();
  for (const auto& [file, n] : summary.at("trials").items()) result.trials += n.get<int64_t>();
  return result;
}

// A finished world with the same options is reused; one with other options is refused (unless force).
bool reuse_finished(const std::string& dir, const Json& options, ToyWorldResult& result) {
  const std::string marker = dir + "/" + kFinished;
  Json summary;
  try {
    summary = Json::parse(core::read_file(marker));
    const Json& old = summary.at("options");
    if (old == options) {
      result = counts_of(summary, dir);
      return true;
    }
    // Compared as unordered objects: only the values matter.
    auto old_but_drawing = nlohmann::json::parse(old.dump()), wanted_but_drawing = nlohmann::json::parse(options.dump());
    old_but_drawing.erase("drawing");
    wanted_but_drawing.erase("drawing");
    if (old_but_drawing == wanted_but_drawing) {  // only how pictures are drawn changed: the world is remade
      log::info("[toy] ", dir, " was drawn by an older vgs (drawing ", old.value("drawing", 1), "): remaking it");
      return false;
    }
    for (const auto& [key, value] : options.items())
      if (!old.contains(key) || old.at(key) != value)
        throw Error(dir + ": a toy world made with other options is there (" + key + ": " +
                    (old.contains(key) ? old.at(key).dump() : std::string("unset")) + ", asked " + value.dump() +
                    "); pass --force to remake it");
    throw Error(dir + ": a toy world made with other options is there; pass --force to remake it");
  } catch (const Json::exception& e) {
    throw Error(marker + ": unreadable (" + std::string(e.what()) + "); pass --force to remake the toy world");
  }
}

// Clears what an earlier (unfinished or forced) run left; refuses a folder that holds anything else.
void prepare_folder(const std::string& dir, bool finished, bool force) {
  fs::create_directories(dir);
  const bool ours = finished || fs::exists(dir + "/" + kPartial);
  if (!ours) {
    const std::set<std::string> own(std::begin(kOwnEntries), std::end(kOwnEntries));
    for (const auto& entry : fs::directory_iterator(dir))
      if (!own.count(entry.path().filename().string()))
        throw Error(dir + ": not empty and not a toy world (found '" + entry.path().filename().string() +
                    "'); choose an empty or new folder");
    if (!fs::is_empty(dir) && !force)
      throw Error(dir + ": holds toy-world folders but no toy_world.json or toy_world.partial; pass --force to remake it");
  }
  for (const char* entry : kOwnEntries) fs::remove_all(dir + "/" + entry);
}

}  // namespace

std::string toy_world_manifest(const std::string& out_dir, const std::string& modality, const std::string& split) {
  return out_dir + "/manifests/" + modality + "_" + split + ".jsonl";
}

std::string toy_world_trials(const std::string& out_dir, const std::string& test, const std::string& split,
                             const std::string& lang) {
  return out_dir + "/trials/" + test + "_" + split + "_" + lang + ".jsonl";
}

ToyWorldResult make_toy_world(const std::string& out_dir, const ToyWorldOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  if (out_dir.empty()) throw Error("toy world: no output folder given");
  const std::string dir = fs::absolute(out_dir).lexically_normal().string();
  check_options(options);
  const auto familiar = resolve_words(options.familiar, WordKind::familiar);
  const auto novel = resolve_words(options.novel, WordKind::novel);
  if (familiar.size() < 2) throw Error("toy world: the familiar test needs at least 2 familiar words");
  const Json wanted = options_json(options, familiar, novel);

  const bool finished = fs::exists(dir + "/" + kFinished);
  ToyWorldResult result;
  if (finished && !options.force && reuse_finished(dir, wanted, result)) {
    result.reused = true;
    result.seconds = seconds();
    log::info("[toy] reusing the toy world in ", dir, " (--force remakes it)");
    return result;
  }
  if (!executable_found(options.espeak)) throw Error(missing_espeak(options.espeak));
  const Plan plan = make_plan(dir, options, familiar, novel);

  prepare_folder(dir, finished, options.force);
  core::write_file_atomic(dir + "/" + kPartial, wanted.dump(2) + "\n");
  log::info("[toy] making ", plan.audio_jobs.size(), " spoken words and ", plan.image_jobs.size(), " pictures in ", dir);
  render(plan, options);
  for (const auto& [split, items] : plan.audio)
    if (!items.empty()) write_audio_manifest(toy_world_manifest(dir, "audio", split), items);
  for (const auto& [split, items] : plan.images)
    if (!items.empty()) write_image_manifest(toy_world_manifest(dir, "images", split), items);
  for (const auto& [path, trials] : plan.trials) write_trials(path, trials);
  const Json summary = summary_json(plan, wanted, familiar, novel, dir);
  core::write_file_atomic(dir + "/" + kFinished, summary.dump(2) + "\n");
  fs::remove(dir + "/" + kPartial);

  result = counts_of(summary, dir);
  result.seconds = seconds();
  log::info("[toy] made ", result.audio_items, " audio items, ", result.image_items, " images and ", result.trials,
            " trials in ", dir, " (", result.seconds, " s)");
  return result;
}

}  // namespace vgs::data
