// Forced-choice sets: an image, its caption and a foil that differs from it in one part; a model is
// right when it scores the caption above the foil. vgs keeps them as JSON Lines (the toy caption
// world writes them, forced-choice evaluation reads them):
//   {"id": "...", "image": "<image item id>", "caption": "...", "foil": "...", "category": "..."}
// and reads FOIL-COCO's released annotations (Shekhar et al. 2017, foilv1.0_{train,test}_2017.json)
// into that form.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "vgs/data/manifest.h"

namespace vgs::data {

struct ForcedChoice {
  std::string id;
  std::string image;     // image item id
  std::string caption;   // the true caption
  std::string foil;      // the caption with one part replaced
  std::string category;  // what was replaced, for per-category accuracy
  int line = 0;          // line in the file it was read from (0 otherwise)
};

// Reads a forced-choice file; fields other than these are ignored (the toy world's foil_spans).
// vgs::Error "file:line: ..." for a missing or empty field, a foil equal to its caption, or an id
// used twice; an empty file is an error too.
std::vector<ForcedChoice> read_forced_choice(const std::string& path);
void write_forced_choice(const std::string& path, const std::vector<ForcedChoice>& items);

struct ForcedChoiceSet {
  std::vector<ForcedChoice> items;
  std::vector<ImageItem> images;  // label: the image id; source: the corpus
  int64_t missing_images = 0;     // listed but not in the image folder: left out with their items
  int64_t unpaired_foils = 0;     // foils whose original caption is not in the file: left out
};

// FOIL-COCO: a COCO-style JSON document whose "annotations" hold each original caption
// (foil: false) and its foils (foil: true, with target_word and foil_word), paired by their "id",
// and whose "images" give file names, looked up in `image_dir` (COCO 2014 train or val images).
// Each foil becomes one item: its original caption, the foil, category = the replaced word
// (target_word). vgs::Error naming the file and entry for a malformed entry.
ForcedChoiceSet read_foil_coco(const std::string& annotations, const std::string& image_dir);

}  // namespace vgs::data
