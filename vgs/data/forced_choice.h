// Forced-choice sets: an image and its caption, with either a foil caption that differs from the
// caption in one part (the model is right when it scores the caption above the foil with the image)
// or a foil image that differs from the image in one part (right when it scores the image above the
// foil image with the caption). vgs keeps them as JSON Lines (the toy caption world writes them,
// forced-choice evaluation reads them):
//   {"id": "...", "image": "<image item id>", "caption": "...", "foil": "...", "category": "..."}
//   {"id": "...", "image": "<image item id>", "caption": "...", "foil_image": "<image item id>", "category": "..."}
// and reads FOIL-COCO's released annotations (Shekhar et al. 2017, foilv1.0_{train,test}_2017.json)
// and SVO-Probes' svo_probes.csv (Hendricks and Nematzadeh 2021) into that form.
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
  std::string foil;        // the caption with one part replaced, or ""
  std::string foil_image;  // an image item id: the image with one part replaced, or ""
  std::string category;  // what was replaced, for per-category accuracy
  int line = 0;          // line in the file it was read from (0 otherwise)
};

// Reads a forced-choice file; fields other than these are ignored (the toy world's foil_spans).
// vgs::Error "file:line: ..." for a missing or empty field, neither or both of foil and foil_image,
// a foil equal to its caption (a foil image equal to its image), or an id used twice; an empty file
// is an error too.
std::vector<ForcedChoice> read_forced_choice(const std::string& path);
void write_forced_choice(const std::string& path, const std::vector<ForcedChoice>& items);

struct ForcedChoiceSet {
  std::vector<ForcedChoice> items;
  std::vector<ImageItem> images;  // label: the image id; source: the corpus
  int64_t missing_images = 0;     // listed but not in the image folder: left out with their items
  int64_t unpaired_foils = 0;     // foils whose original caption is not in the file: left out
  int64_t unclassified = 0;       // SVO-Probes rows whose negative is not of exactly one kind: left out
};

// FOIL-COCO: a COCO-style JSON document whose "annotations" hold each original caption
// (foil: false) and its foils (foil: true, with target_word and foil_word), paired by their "id",
// and whose "images" give file names, looked up in `image_dir` (COCO 2014 train or val images).
// Each foil becomes one item: its original caption, the foil, category = the replaced word
// (target_word). vgs::Error naming the file and entry for a malformed entry.
ForcedChoiceSet read_foil_coco(const std::string& annotations, const std::string& image_dir);

// SVO-Probes: svo_probes.csv (columns sentence, pos_image_id, neg_image_id and the booleans subj_neg,
// verb_neg, obj_neg; others ignored) with the images downloaded from its URL list into `image_dir`
// as <image id>.jpg (or .jpeg, .png). Each row becomes one item "svo-<row>": the sentence, the
// positive image, the negative as foil_image, category subject, verb or object. As in the
// benchmark's own notebook, a row whose negative is of no or several kinds is left out (counted).
// vgs::Error naming the file and line for a malformed row.
ForcedChoiceSet read_svo_probes(const std::string& csv, const std::string& image_dir);

}  // namespace vgs::data
