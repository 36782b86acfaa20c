// Caption corpora in their public layouts (docs/captions.md) read into caption and image manifests:
// Flickr30K Entities (phrases with entity ids as spans), COCO captions 2017 and Conceptual Captions.
// vgs downloads nothing: the corpora are read where the user put them, and images that are not on
// disk are counted and their captions left out, since web-crawled corpora always miss some.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "vgs/data/manifest.h"

namespace vgs::data {

struct CaptionCorpus {
  std::vector<CaptionItem> captions;
  std::vector<ImageItem> images;  // label: the image id (each picture is its own class for retrieval)
  int64_t missing_images = 0;     // listed but not on disk: left out with their captions
};

// <root>/Sentences/<id>.txt with images <root>/flickr30k-images/<id>.jpg; `split` "" takes every
// sentence file, otherwise the ids listed in <root>/<split>.txt (train, val, test). Caption ids are
// "<image id>_<n>" (n counts the file's captions from 0); spans carry entity_phrase_label.
CaptionCorpus read_flickr30k_entities(const std::string& root, const std::string& split);

// <root>/annotations/captions_<split>2017.json (images [{id, file_name}], annotations [{image_id, id,
// caption}]) with images in <root>/<split>2017/. Caption ids are COCO's annotation ids.
CaptionCorpus read_coco_captions(const std::string& root, const std::string& split);

// Conceptual Captions TSV lines "caption<TAB>url" (train: Train_GCC-training.tsv, val:
// Validation_GCC-1.1.0-Validation.tsv) with images downloaded by the user as <root>/images/<line>.jpg,
// <line> the 1-based line of the TSV; ids are that line number.
CaptionCorpus read_conceptual_captions(const std::string& root, const std::string& split);

// The reader for `corpus`: flickr30k_entities, coco or cc; vgs::Error for another name.
CaptionCorpus read_caption_corpus(const std::string& corpus, const std::string& root, const std::string& split);

}  // namespace vgs::data
