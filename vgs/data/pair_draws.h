// Fixed draws of training-style items: an anchor audio, a positive image of its word, and K negative
// audios and K negative images of other words. me-vgs scores its validation loss on one such draw,
// the same file for every seed (data/filelists/validation-samples-*-P1-N11.json), so that runs are
// compared on the same pairs; vgs reads the same thing as JSON Lines (splits.valid_draws):
//   {"word": "dog", "audio": "<audio id>", "image": "<image id>",
//    "negative_audios": ["<audio id>", ...], "negative_images": ["<image id>", ...]}
#pragma once

#include <string>
#include <vector>

#include "vgs/data/manifest.h"

namespace vgs::data {

struct PairDraw {
  std::string word;   // English form: the label of the anchor audio and of the positive image
  std::string audio;  // anchor audio item id
  std::string image;  // positive image item id
  std::vector<std::string> negative_audios, negative_images;  // K each, of words other than `word`
  int line = 0;       // line in the file (0 for draws not read from one), for messages
};

// Atomic write, one draw per line.
void write_pair_draws(const std::string& path, const std::vector<PairDraw>& draws);
// Reads a draws file: malformed lines, missing fields, negative lists of different lengths (within
// a line or across lines) raise vgs::Error with "file:line:"; an empty file is an error too.
std::vector<PairDraw> read_pair_draws(const std::string& path);

// Checks every id against the manifests: the anchor and positive exist and are labelled `word`, every
// negative exists and is of another word. vgs::Error "<path>:<line>: ..." for the first bad draw.
void check_pair_draws(const std::vector<PairDraw>& draws, const std::vector<AudioItem>& audio,
                      const std::vector<ImageItem>& images, const std::string& path);

}  // namespace vgs::data
