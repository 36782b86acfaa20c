// The recipe keys of the text grouping family and their typed form. Each key's default is the
// struct member's, so it is declared once. docs/text_grouping.md explains the choices.
#include "vgs/train/text_grouping_options.h"

#include "vgs/backbones/options.h"
#include "vgs/core/config.h"
#include "vgs/core/run_options.h"
#include "vgs/core/schema.h"
#include "vgs/train/two_tower_options.h"

namespace vgs::train {

using core::Bounds;

const core::Choices<ModelFamily>& model_families() {
  static const core::Choices<ModelFamily> choices{{ModelFamily::two_tower, "two_tower"},
                                                  {ModelFamily::text_grouping, "text_grouping"}};
  return choices;
}

ModelFamily model_family(const core::Config& config) { return config.get_choice("model.family", model_families()); }

namespace {

void add_caption_options(core::Schema& s, const TextGroupingOptions& d) {
  s.group("captions", "Caption data of the text grouping family (manifests in docs/formats.md, corpora in docs/captions.md)");
  s.add_path("captions.toy_world", "make the toy caption world here when missing and train on it (vgs-prepare toy-captions)");
  for (std::string split : {"train", "valid", "test"}) {
    s.add_path("captions." + split, split + " caption manifest (phrase spans: scored by phrase alignment)");
    s.add_path("captions." + split + "_images", split + " image manifest");
  }
  s.add_path_list("captions.valid_forced_choice", "forced-choice sets scored after every epoch (JSON Lines)");
  s.add_path_list("captions.test_forced_choice", "forced-choice sets scored at the end (FOIL-COCO, SVO-Probes, toy foils)");
  s.add_string("captions.tokenizer_kind", d.tokenizer_kind,
               "sentencepiece (a .model; vgs-tokenizer train) or clip (bpe_simple_vocab_16e6.txt.gz)", {"sentencepiece", "clip"});
  s.add_path("captions.tokenizer", "the tokenizer's file");
  s.add_int("captions.tokenizer_vocab_size", d.tokenizer_vocab_size,
            "pieces of the SentencePiece model trained on the toy world's train captions when captions.tokenizer is missing",
            Bounds::at_least(8));
}

void add_model_options(core::Schema& s, const models::TextGroupingConfig& d) {
  s.group("text_grouping", "Text grouping model (docs/text_grouping.md; defaults: GroupViT's text side, K = 4)");
  s.add_int("text_grouping.width", d.width, "transformer width", Bounds::at_least(1));
  s.add_int("text_grouping.heads", d.heads, "attention heads of the encoder layers", Bounds::at_least(1));
  s.add_int("text_grouping.context_length", d.max_len, "tokens per caption with [SOT] and [EOT] (longer: cut)", Bounds::at_least(3));
  s.add_int("text_grouping.groups", d.groups, "K group slots", Bounds::at_least(1));
  s.add_int("text_grouping.encoder_layers", d.encoder_layers, "layers over tokens and groups", Bounds::at_least(0));
  s.add_int("text_grouping.group_layers", d.group_layers, "layers over the groups after grouping", Bounds::at_least(0));
  s.add_float("text_grouping.gumbel_tau", d.gumbel_tau, "Gumbel-softmax temperature", Bounds::positive());
  s.add_bool("text_grouping.hard", d.hard, "hard (straight-through one-hot) assignment; false: soft");
  s.add_float("text_grouping.assign_eps", d.assign_eps, "added to each group's token count (GroupViT: 1)", Bounds::at_least(0));
  s.add_float("text_grouping.dropout", d.dropout, "dropout of the encoder and decoder layers", Bounds::range(0, 1));
  s.add_int("text_grouping.embed_dim", d.embed_dim, "shared embedding size (the image groups' width)", Bounds::at_least(1));
  s.add_choice("text_grouping.pooling", models::group_poolings(), d.pooling, "groups -> caption embedding for the loss");
  s.add_int("text_grouping.decoder_heads", d.decoder_heads, "heads of the reconstruction decoder", Bounds::at_least(1));
  s.add_choice("text_grouping.temperature", models::temperatures(), d.temperature,
               "learnable: CLIP's, from ln(1/0.07), clamped at 100; fixed: text_grouping.fixed_scale");
  s.add_float("text_grouping.fixed_scale", d.fixed_scale, "similarity scale when the temperature is fixed", Bounds::positive());
}

void add_loss_options(core::Schema& s, const losses::TextGroupingLossConfig& d) {
  s.add_bool("loss.contrastive", d.contrastive, "text grouping: the InfoNCE term (off: reconstruction-only ablation)");
  s.add_bool("loss.reconstruction", d.reconstruction, "text grouping: the reconstruction term (off: contrastive-only ablation)");
  s.add_float("loss.reconstruction_weight", d.reconstruction_weight, "text grouping: lambda of the reconstruction term",
              Bounds::at_least(0));
}

CaptionSplit caption_split(const core::Config& c, const std::string& name) {
  CaptionSplit s;
  if (c.has("captions." + name)) s.captions = c.get_string("captions." + name);
  if (c.has("captions." + name + "_images")) s.images = c.get_string("captions." + name + "_images");
  if (name != "train") s.forced_choice = c.get_string_list("captions." + name + "_forced_choice");
  return s;
}

models::TextGroupingConfig model_config(const core::Config& c) {
  models::TextGroupingConfig m;
  m.width = c.get_int("text_grouping.width");
  m.heads = c.get_int("text_grouping.heads");
  m.max_len = c.get_int("text_grouping.context_length");
  m.groups = c.get_int("text_grouping.groups");
  m.encoder_layers = c.get_int("text_grouping.encoder_layers");
  m.group_layers = c.get_int("text_grouping.group_layers");
  m.gumbel_tau = c.get_float("text_grouping.gumbel_tau");
  m.hard = c.get_bool("text_grouping.hard");
  m.assign_eps = c.get_float("text_grouping.assign_eps");
  m.dropout = c.get_float("text_grouping.dropout");
  m.embed_dim = c.get_int("text_grouping.embed_dim");
  m.pooling = c.get_choice("text_grouping.pooling", models::group_poolings());
  m.decoder_heads = c.get_int("text_grouping.decoder_heads");
  m.temperature = c.get_choice("text_grouping.temperature", models::temperatures());
  m.fixed_scale = c.get_float("text_grouping.fixed_scale");
  return m;
}

}  // namespace

void add_text_grouping_options(core::Schema& s) {
  const TextGroupingOptions d;
  s.add_choice("model.family", model_families(), ModelFamily::two_tower,
               "two_tower (me-vgs: model.*, splits.*) or text_grouping (text_grouping.*, captions.*)");
  add_caption_options(s, d);
  add_model_options(s, d.model);
  add_loss_options(s, d.loss);
  s.add_int("train.grad_cache_chunk", d.grad_cache_chunk,
            "text grouping: captions per GradCache chunk (0: the whole batch at once); the gradients are the batch's",
            Bounds::at_least(0));
}

TextGroupingOptions text_grouping_options(const core::Config& c) {
  TextGroupingOptions o;
  const core::RunOptions run = core::run_options(c);
  o.run_name = run.name;
  o.seed = static_cast<uint64_t>(run.seed);
  if (c.has("captions.toy_world")) o.toy_captions = c.get_string("captions.toy_world");
  o.train = caption_split(c, "train");
  o.valid = caption_split(c, "valid");
  o.test = caption_split(c, "test");
  o.tokenizer_kind = c.get_string("captions.tokenizer_kind");
  if (c.has("captions.tokenizer")) o.tokenizer = c.get_string("captions.tokenizer");
  o.tokenizer_vocab_size = c.get_int("captions.tokenizer_vocab_size");
  o.extraction = backbones::decoding_options(c);
  o.features = io::feature_options(c);
  o.image_backbone = backbone_request(c, "image_backbone", o.seed, o.extraction.image);
  o.image_layers = c.get_int_list("image_backbone.layers");
  o.model = model_config(c);
  o.loss.contrastive = c.get_bool("loss.contrastive");
  o.loss.reconstruction = c.get_bool("loss.reconstruction");
  o.loss.reconstruction_weight = c.get_float("loss.reconstruction_weight");
  o.batch_size = c.get_int("train.batch_size");
  o.grad_cache_chunk = c.get_int("train.grad_cache_chunk");
  return o;
}

}  // namespace vgs::train
