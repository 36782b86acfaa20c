// Two-way test trials (the familiar and mutual-exclusivity tests of Oneață et al. 2025): generation
// from manifests, deterministic for a seed on every platform, and the JSON Lines file format that
// evaluation reads (docs/toy_world.md):
//   {"id": "familiar-en-000001", "test": "familiar", "lang": "en", "word": "dog",
//    "audio": "<audio item id>", "positive": "<image id>", "negative": "<image id>"}
// Trials of the episode protocol add "episode": N (1-based) at the end; it is absent otherwise.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "vgs/core/random.h"
#include "vgs/data/manifest.h"

namespace vgs::data {

struct Trial {
  std::string id;
  std::string test;      // "familiar" or "me"
  std::string lang;      // language of the audio
  std::string word;      // English form of the spoken word (the label of audio and positive)
  std::string audio;     // audio item id
  std::string positive;  // image item id: an image of `word`
  std::string negative;  // image item id: a familiar image of another word, same source as `positive`
  int episode = 0;       // 1-based episode of the episode protocol; 0 for a trial not from an episode
  int line = 0;          // line in the trial file (0 for generated trials), for messages
};

// Whether a trial list may hold the same (audio, positive, negative) triple twice. vgs's lists do not
// by default; me-vgs draws each trial independently (random.choice), so its lists may.
enum class Repeats { forbidden, allowed };

// Familiar test: for each word of `familiar` x `per_word`, a random audio of the word in `lang`, a
// random image of the word, and a negative drawn from the images of OTHER familiar words with the
// same `source` as the positive. Positives with no possible negative are never drawn; vgs::Error when
// a word has no audio in `lang`, no image, or no image with a same-source negative.
// Candidates are sorted by id first, so the trials do not depend on manifest order. A list holds no
// (audio, positive, negative) triple twice unless `repeats` allows it (me-vgs draws with replacement
// and may repeat one); without repeats, a word whose pool allows fewer than per_word distinct trials
// is a vgs::Error.
std::vector<Trial> familiar_trials(const std::vector<AudioItem>& audio, const std::vector<ImageItem>& images,
                                   const std::string& lang, const std::vector<std::string>& familiar,
                                   int per_word = 50, uint64_t seed = 42, Repeats repeats = Repeats::forbidden);

// ME test: for each word of `novel` x `per_word`, a random audio of the novel word in `lang`, a random
// image of it, and a negative drawn from the images of the `familiar` words with the same source.
std::vector<Trial> me_trials(const std::vector<AudioItem>& audio, const std::vector<ImageItem>& images,
                             const std::string& lang, const std::vector<std::string>& novel,
                             const std::vector<std::string>& familiar, int per_word = 50, uint64_t seed = 42,
                             Repeats repeats = Repeats::forbidden);

// The older episode protocol (TACL 2024 / MattNet: 1000 episodes): each of `episodes` episodes holds
// one familiar trial per word of `familiar` (as familiar_trials draws it), then one ME trial per word
// of `novel` (as me_trials draws it), each drawn by the same rules. Ids are
// "episode-<lang>-<NNNNNN>-<familiar|me>-<word>" and `episode` is the episode's number from 1.
// Deterministic for a seed; vgs::Error as familiar_trials and me_trials.
std::vector<Trial> episode_trials(const std::vector<AudioItem>& audio, const std::vector<ImageItem>& images,
                                  const std::string& lang, const std::vector<std::string>& familiar,
                                  const std::vector<std::string>& novel, int episodes = 1000, uint64_t seed = 42);

// Atomic write (vgs/core/fs.h), one trial per line.
void write_trials(const std::string& path, const std::vector<Trial>& trials);
// Reads a trial file; malformed lines, missing fields, an unknown test, an "episode" that is not a
// non-negative integer or a duplicate id raise vgs::Error with "file:line:". No "episode": 0.
std::vector<Trial> read_trials(const std::string& path);

// Checks every reference of the trials against the manifests: the audio exists, is in the trial's
// language and labelled `word`; the positive exists and is labelled `word`; the negative exists, is
// of another word and of the positive's source. vgs::Error naming the first bad trial's line
// ("<trials_path>:<line>: ..."), or its id for generated trials.
void check_trials(const std::vector<Trial>& trials, const std::vector<AudioItem>& audio_items,
                  const std::vector<ImageItem>& image_items, const std::string& trials_path = "");

// The portable draws (core::uniform_index, core::uniform_real), as the data layer has used them.
using core::uniform_index;
using core::uniform_real;

}  // namespace vgs::data
