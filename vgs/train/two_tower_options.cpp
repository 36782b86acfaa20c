// The recipe keys of the two-tower family and their typed form. Each key's default is the struct
// member's, so it is declared once.
#include "vgs/train/two_tower_options.h"

#include "vgs/backbones/options.h"
#include "vgs/core/config.h"
#include "vgs/core/config_checks.h"
#include "vgs/core/error.h"
#include "vgs/core/run_options.h"
#include "vgs/core/schema.h"
#include "vgs/io/options.h"

namespace vgs::train {

using core::Bounds;

namespace {

void add_split_options(core::Schema& s, const TwoTowerOptions& d) {
  s.group("splits", "Training, validation and test data (manifests in docs/formats.md)");
  s.add_path("splits.toy_world", "generate the toy world here when missing and train on it (vgs-prepare toy-world)");
  s.add_string_list("splits.languages", d.languages, "languages of the training audio (en, fr, nl; two for bilingual models)");
  for (std::string split : {"train", "valid", "test"}) {
    s.add_path("splits." + split + "_audio", split + " audio manifest");
    s.add_path("splits." + split + "_images", split + " image manifest");
  }
  s.add_path_list("splits.valid_trials", "trial lists scored after every epoch");
  s.add_path("splits.valid_draws", "fixed validation pairs with their negatives (JSON Lines, docs/formats.md; "
                                   "vgs-prepare import-me-vgs writes me-vgs's); default: drawn with splits.valid_seed");
  s.add_int("splits.valid_seed", static_cast<int64_t>(d.valid_seed),
            "seed of the validation draw: the same for every run.seed, so seeds are selected on the same pairs",
            Bounds::at_least(0));
  s.add_path_list("splits.test_trials", "trial lists scored at the end");
}

void add_backbone_choice(core::Schema& s, const std::string& group, const backbones::BackboneRequest& d, bool audio) {
  s.group(group, audio ? "Frozen speech backbone whose cached features the audio tower reads"
                       : "Frozen image backbone whose cached features the image tower reads");
  s.add_string(group + ".name", d.name, audio ? "backbone name (vgs-extract --help)" : "backbone name");
  s.add_path(group + ".weights", "weights file");
  s.add_int_list(group + ".layers", {}, audio ? "hidden states fed to the tower (several: learned softmax mix)"
                                              : "stages fed to the tower (default: the last)");
}

void add_model_options(core::Schema& s, const models::TwoTowerConfig& d) {
  s.group("model", "Two-tower model (me-vgs: width 256, depth 1, embedding 256)");
  s.add_int("model.width", d.audio.width, "transformer width of each pooling tower", Bounds::at_least(1));
  s.add_int("model.depth", d.audio.depth, "transformer layers of each pooling tower", Bounds::at_least(1));
  s.add_int("model.embed_dim", d.audio.embed_dim, "size of the shared embedding", Bounds::at_least(1));
  s.add_choice("model.positions", models::position_encodings(), d.audio.positions,
               "position encoding added to each tower's frames: none (me-vgs; backbone features carry context) or "
               "sinusoidal (for weight-free front ends such as fbank and patches)");
  s.add_bool("model.standardize_inputs", d.audio.standardize_inputs,
             "standardise each feature dimension with training-set statistics (stored with the weights); for raw "
             "front ends such as fbank and patches");
  s.add_float("model.dropout", d.audio.dropout, "dropout inside the towers", Bounds::range(0, 1));
  s.add_choice("model.temperature", models::temperatures(), d.temperature,
               "fixed: scale model.fixed_scale (me-vgs: 100); learnable: CLIP's");
  s.add_float("model.fixed_scale", d.fixed_scale, "similarity scale when the temperature is fixed", Bounds::positive());
}

// Language links pair each word with its translation, so they need exactly two training languages,
// and each item brings its own triplets of negatives (me-vgs's sampled negatives).
void check_language_links(const core::Config& c) {
  if (!c.get_bool("loss.language_links")) return;
  const std::vector<std::string> languages = c.get_string_list("splits.languages");
  if (languages.size() != 2 || languages[0] == languages[1])
    throw Error(core::where(c, "loss.language_links") + ": needs two different training languages in splits.languages, got " +
                core::value_to_string(languages) + " (" + core::origin(c, "splits.languages") + ")");
  const std::string negatives = c.get_string("loss.negatives");
  if (negatives != losses::negative_modes().name(losses::NegativeMode::sampled))
    throw Error(core::where(c, "loss.language_links") + ": needs loss.negatives: sampled (each item's own negative "
                "triplets), got " + negatives + " (" + core::origin(c, "loss.negatives") + ")");
}

void add_loss_options(core::Schema& s, const TwoTowerOptions& d) {
  s.group("loss", "Bidirectional InfoNCE");
  s.add_choice("loss.negatives", losses::negative_modes(), d.negatives,
               "sampled: me-vgs (each item embeds its own 11 negatives); sampled_shared: the same 1-vs-11 loss "
               "with negatives taken from the batch; in_batch: CLIP");
  s.add_int("loss.negatives_per_item", d.negatives_per_item, "negatives per item (sampled, sampled_shared)",
            Bounds::at_least(1));
  s.add_bool("loss.language_links", d.language_links,
             "language links (me-vgs CLIPTwoAudios): each item is a triplet (audio, the same word in the other "
             "training language, an image) and the loss averages audio-image, audio2-image and audio-audio2 "
             "InfoNCE; needs two splits.languages and loss.negatives: sampled");
  s.add_check(check_language_links);
}

// train.resample belongs with the task's sampling, so it is declared here rather than with the loop's
// train.* keys (train/options.cpp), as train.batch_size is read here too.
void add_epoch_options(core::Schema& s, const TwoTowerOptions& d) {
  s.add_choice("train.resample", epoch_resamples(), d.resample,
               "single: an epoch lists each training audio once; double: twice, each copy shuffled independently "
               "(me-vgs resample: double, the monolingual 2x controls with a bilingual model's number of steps)");
}

Split split(const core::Config& c, const std::string& name) {
  Split s;
  if (c.has("splits." + name + "_audio")) s.audio_manifest = c.get_string("splits." + name + "_audio");
  if (c.has("splits." + name + "_images")) s.image_manifest = c.get_string("splits." + name + "_images");
  if (name != "train") s.trials = c.get_string_list("splits." + name + "_trials");
  return s;
}

models::TwoTowerConfig model_config(const core::Config& c) {
  models::TwoTowerConfig m;
  for (auto* tower : {&m.audio, &m.image}) {
    tower->width = c.get_int("model.width");
    tower->depth = c.get_int("model.depth");
    tower->embed_dim = c.get_int("model.embed_dim");
    tower->dropout = c.get_float("model.dropout");
    tower->positions = c.get_choice("model.positions", models::position_encodings());
    tower->standardize_inputs = c.get_bool("model.standardize_inputs");
  }
  m.temperature = c.get_choice("model.temperature", models::temperatures());
  m.fixed_scale = c.get_float("model.fixed_scale");
  return m;
}

}  // namespace

backbones::BackboneRequest backbone_request(const core::Config& c, const std::string& group, uint64_t seed,
                                            const io::ImageOptions& image) {
  backbones::BackboneRequest r;
  r.name = c.get_string(group + ".name");
  if (c.has(group + ".weights")) r.weights = c.get_string(group + ".weights");
  r.seed = seed;
  // Image backbones run at the size the preprocessing produces.
  r.image_size = image.policy == io::ResizePolicy::shorter_side_crop ? image.crop : image.resize;
  return r;
}

void add_two_tower_options(core::Schema& s) {
  const TwoTowerOptions d;
  add_split_options(s, d);
  add_backbone_choice(s, "audio_backbone", d.audio_backbone, true);
  add_backbone_choice(s, "image_backbone", d.image_backbone, false);
  // Each tower reads its own modality's features: a name the registry lacks, or an image backbone
  // for the audio tower, is refused when the recipe loads rather than after the data is read.
  backbones::add_backbone_name_check(s, "audio_backbone.name", backbones::Modality::audio);
  backbones::add_backbone_name_check(s, "image_backbone.name", backbones::Modality::image);
  add_model_options(s, d.model);
  add_loss_options(s, d);
  add_epoch_options(s, d);
}

TwoTowerOptions two_tower_options(const core::Config& c) {
  TwoTowerOptions o;
  core::RunOptions run = core::run_options(c);
  o.run_name = run.name;
  o.seed = static_cast<uint64_t>(run.seed);
  if (c.has("splits.toy_world")) o.toy_world = c.get_string("splits.toy_world");
  o.languages = c.get_string_list("splits.languages");
  o.train = split(c, "train");
  o.valid = split(c, "valid");
  o.test = split(c, "test");
  if (c.has("splits.valid_draws")) o.valid_draws = c.get_string("splits.valid_draws");
  o.valid_seed = static_cast<uint64_t>(c.get_int("splits.valid_seed"));
  o.extraction = backbones::decoding_options(c);  // for caching features: decoding, dtype, threads
  o.features = io::feature_options(c);
  o.audio_backbone = backbone_request(c, "audio_backbone", o.seed, o.extraction.image);
  o.image_backbone = backbone_request(c, "image_backbone", o.seed, o.extraction.image);
  o.audio_layers = c.get_int_list("audio_backbone.layers");
  o.image_layers = c.get_int_list("image_backbone.layers");
  o.model = model_config(c);
  o.negatives = c.get_choice("loss.negatives", losses::negative_modes());
  o.negatives_per_item = c.get_int("loss.negatives_per_item");
  o.language_links = c.get_bool("loss.language_links");
  o.batch_size = c.get_int("train.batch_size");
  o.resample = c.get_choice("train.resample", epoch_resamples());
  return o;
}

}  // namespace vgs::train
