// Import of a me-vgs data folder (github.com/danoneata/me-vgs, its data/ folder): the JSON file lists
// of audio and images become vgs manifests, its familiar-familiar and novel-familiar trial lists (and
// the TACL 1000-episode lists) vgs trial lists, and its fixed validation samples pair-draws files,
// so that a vgs run trains on, selects by and is scored on the very items of the paper. Item ids are
// me-vgs's file names, so every list refers to the same items. `vgs-prepare import-me-vgs` runs it.
#pragma once

#include <string>
#include <vector>

#include "vgs/data/manifest.h"
#include "vgs/data/pair_draws.h"
#include "vgs/data/trials.h"

namespace vgs::data {

// me-vgs's language names ("english", "french", "dutch") as vgs codes; vgs::Error for another.
std::string language_code(const std::string& me_vgs_language, const std::string& where);

// One me-vgs audio or image list (data/filelists/audio-<split>[-N].json, image-<split>.json): a JSON
// array of {"name", "word-en", "lang"} (audio) or {"name", "word-en"[, "source"]} (images). Paths are
// me-vgs's: <data>/<lang>_words/<name>.wav and <data>/images/<name>.jpg. vgs::Error naming the file
// and entry for a missing field or a name listed twice.
std::vector<AudioItem> audio_items_from_me_vgs(const std::string& list, const std::string& data_dir);
std::vector<ImageItem> image_items_from_me_vgs(const std::string& list, const std::string& data_dir);

// A me-vgs trial list: a JSON array of {"audio": datum, "image-pos": datum, "image-neg": datum};
// `test` is "familiar" or "me". Ids are "<test>-<lang>-NNNNNN" in file order; `line` is the entry's
// number from 1.
std::vector<Trial> trials_from_me_vgs(const std::string& path, const std::string& test);

// A me-vgs validation-samples file: a JSON array, entry i the draw of validation item i, with
// "audios-pos" (one: the anchor), "images-pos" (one), "audios-neg" and "images-neg" (K each).
std::vector<PairDraw> pair_draws_from_me_vgs(const std::string& path);

struct MeVgsImport {
  std::vector<std::string> written;  // files written, in order
  std::vector<std::string> missing;  // me-vgs lists looked for and not found (optional ones)
};

// Reads <me_vgs_dir>/data (or <me_vgs_dir> itself when it is the data folder) and writes the layout of
// docs/data.md under out_dir: manifests/{audio,images}_{train,val,test}.jsonl, trials/*.jsonl
// (familiar_test_<lang>, me_test_<lang>, tacl_{familiar,me}_test_en, familiar_val_<lang>) and
// draws/valid_<langs>_p1_n<K>.jsonl. Every trial list and draw is checked against the manifests.
// Familiar val trials me-vgs does not have are drawn by vgs (50 per word, repeats allowed, seed 42).
MeVgsImport import_me_vgs(const std::string& me_vgs_dir, const std::string& out_dir);

}  // namespace vgs::data
