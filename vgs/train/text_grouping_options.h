// The recipe keys of the text grouping family (model.family: text_grouping): captions.*,
// text_grouping.*, the loss switches, train.grad_cache_chunk, and their typed form; the image side
// reuses image_backbone.* (a frozen GroupViT whose group embeddings are cached in a feature store).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "vgs/backbones/extraction.h"
#include "vgs/backbones/registry.h"
#include "vgs/core/choices.h"
#include "vgs/io/options.h"
#include "vgs/losses/text_grouping_loss.h"
#include "vgs/models/text_grouping.h"

namespace vgs::core {
class Schema;
class Config;
}  // namespace vgs::core

namespace vgs::train {

// Which model a recipe trains (model.family).
enum class ModelFamily { two_tower, text_grouping };
const core::Choices<ModelFamily>& model_families();
ModelFamily model_family(const core::Config& config);

// One split: a caption manifest (with phrase spans for phrase alignment), its image manifest, and
// forced-choice sets scored on it.
struct CaptionSplit {
  std::string captions, images;
  std::vector<std::string> forced_choice;
};

struct TextGroupingOptions {
  std::string run_name = "run";
  uint64_t seed = 0;
  std::string toy_captions;  // when set: the toy caption world, made there if missing, fills unset splits
  CaptionSplit train, valid, test;
  // text/tokenizer.h: kind "sentencepiece" (a .model) or "clip" (bpe_simple_vocab_16e6.txt.gz). With
  // captions.toy_world and a SentencePiece model that is missing, one of tokenizer_vocab_size pieces
  // is trained on the train captions first.
  std::string tokenizer_kind = "sentencepiece", tokenizer;
  int64_t tokenizer_vocab_size = 256;
  backbones::BackboneRequest image_backbone{"groupvit", "", 0, 0};
  std::vector<int64_t> image_layers;
  backbones::ExtractionOptions extraction;
  io::FeatureOptions features;
  models::TextGroupingConfig model;
  losses::TextGroupingLossConfig loss;
  int64_t batch_size = 64;
  int64_t grad_cache_chunk = 0;  // 0: the whole batch in one pass
};

void add_text_grouping_options(core::Schema& schema);
TextGroupingOptions text_grouping_options(const core::Config& config);

}  // namespace vgs::train
