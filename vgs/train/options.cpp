// The recipe keys of training and their typed form.
#include "vgs/train/options.h"

#include "vgs/core/config.h"
#include "vgs/core/error.h"
#include "vgs/core/schema.h"
#include "vgs/data/options.h"
#include "vgs/io/options.h"
#include "vgs/core/run_options.h"

namespace vgs::train {

using core::Bounds;

void add_train_options(core::Schema& s) {
  s.group("splits", "Training, validation and test data (manifests in docs/formats.md)");
  s.add_path("splits.toy_world", "generate the toy world here when missing and train on it (vgs-prepare toy-world)");
  s.add_string_list("splits.languages", {"en"}, "languages of the training audio (en, fr, nl; two for bilingual models)");
  for (std::string split : {"train", "valid", "test"}) {
    s.add_path("splits." + split + "_audio", split + " audio manifest");
    s.add_path("splits." + split + "_images", split + " image manifest");
  }
  s.add_path_list("splits.valid_trials", "trial lists scored after every epoch");
  s.add_path_list("splits.test_trials", "trial lists scored at the end");
  s.group("audio_backbone", "Frozen speech backbone whose cached features the audio tower reads");
  s.add_string("audio_backbone.name", "wavlm_base_plus", "backbone name (vgs-extract --help)");
  s.add_path("audio_backbone.weights", "weights file");
  s.add_int_list("audio_backbone.layers", {}, "hidden states fed to the tower (several: learned softmax mix)");
  s.group("image_backbone", "Frozen image backbone whose cached features the image tower reads");
  s.add_string("image_backbone.name", "dino_resnet50", "backbone name");
  s.add_path("image_backbone.weights", "weights file");
  s.add_int_list("image_backbone.layers", {}, "stages fed to the tower (default: the last)");
  s.group("model", "Two-tower model (me-vgs: width 256, depth 1, embedding 256)");
  s.add_int("model.width", 256, "transformer width of each pooling tower", Bounds::at_least(1));
  s.add_int("model.depth", 1, "transformer layers of each pooling tower", Bounds::at_least(1));
  s.add_int("model.embed_dim", 256, "size of the shared embedding", Bounds::at_least(1));
  s.add_string("model.positions", "none",
               "position encoding added to each tower's frames: none (me-vgs; backbone features carry context) or "
               "sinusoidal (for weight-free front ends such as fbank and patches)",
               {"none", "sinusoidal"});
  s.add_bool("model.standardize_inputs", false,
             "standardise each feature dimension with training-set statistics (stored with the weights); for raw "
             "front ends such as fbank and patches");
  s.add_float("model.dropout", 0.1, "dropout inside the towers", Bounds::range(0, 1));
  s.add_string("model.temperature", "fixed", "fixed: scale model.fixed_scale (me-vgs: 100); learnable: CLIP's",
               {"fixed", "learnable"});
  s.add_float("model.fixed_scale", 100.0, "similarity scale when the temperature is fixed", Bounds::positive());
  s.group("loss", "Bidirectional InfoNCE");
  s.add_string("loss.negatives", "sampled",
               "sampled: me-vgs (each item embeds its own 11 negatives); sampled_shared: the same 1-vs-11 loss "
               "with negatives taken from the batch; in_batch: CLIP",
               {"sampled", "sampled_shared", "in_batch"});
  s.add_int("loss.negatives_per_item", 11, "negatives per item (sampled, sampled_shared)", Bounds::at_least(1));
  s.group("train", "Optimisation");
  s.add_int("train.epochs", 24, "epochs (one epoch = one pass over the training audio)", Bounds::at_least(1));
  s.add_int("train.batch_size", 60, "items per step", Bounds::at_least(1));
  s.add_string("train.optimizer", "adam", "adam: L2 weight decay (me-vgs); adamw: decoupled", {"adam", "adamw"});
  s.add_float("train.lr", 2e-4, "peak learning rate", Bounds::positive());
  s.add_float("train.min_lr", 1e-6, "learning rate at the start of warmup and the end of the cosine", Bounds::non_negative());
  s.add_float("train.warmup_epochs", 4, "linear warmup length in epochs", Bounds::non_negative());
  s.add_float("train.weight_decay", 5e-7, "weight decay", Bounds::non_negative());
  s.add_float("train.grad_clip", 0, "clip the gradient norm to this (0: off)", Bounds::non_negative());
  s.add_int("train.max_bad_steps", 5, "consecutive NaN/Inf steps (skipped) before the run stops", Bounds::at_least(1));
  s.add_int("train.keep_checkpoints", 5, "step checkpoints kept besides last and best", Bounds::at_least(1));
  s.add_int("train.log_every", 10, "steps between training log lines and TensorBoard points", Bounds::at_least(1));
  s.add_int("train.threads", 0, "intra-op threads (0: LibTorch's default)", Bounds::at_least(0));
  s.add_int("train.checkpoint_every_steps", 0,
            "also checkpoint every N steps inside an epoch, so a killed run (node failure, SIGKILL) loses at most N "
            "steps (0: at the end of each epoch only)",
            Bounds::at_least(0));
  s.add_bool("train.test_every_epoch", true,
             "also score the test trials (familiar and ME) after every epoch, for the curves, as me-vgs logs them; "
             "they never choose the checkpoint");
  s.add_string("train.select_metric", "valid/loss", "metric that picks the best checkpoint (lower is better for *loss)");
  s.add_string("train.device", "auto", "where training runs", {"auto", "cpu", "cuda"});
  s.group("debug", "Fault injection for testing crash recovery; leave unset in real recipes");
  s.add_int("debug.kill_at_step", 0, "the process kills itself (SIGKILL) after this step (0: never)", Bounds::at_least(0));
  s.add_int("debug.term_at_step", 0, "the process sends itself SIGTERM after this step, as Slurm does (0: never)",
            Bounds::at_least(0));
  s.add_int_list("debug.nan_at_steps", {}, "steps (counted from 1) whose loss is replaced by NaN (checks that they are skipped)");
}

namespace {
Split split(const core::Config& c, const std::string& name) {
  Split s;
  if (c.has("splits." + name + "_audio")) s.audio_manifest = c.get_string("splits." + name + "_audio");
  if (c.has("splits." + name + "_images")) s.image_manifest = c.get_string("splits." + name + "_images");
  if (name != "train") s.trials = c.get_string_list("splits." + name + "_trials");
  return s;
}

backbones::BackboneRequest backbone(const core::Config& c, const std::string& group, uint64_t seed) {
  backbones::BackboneRequest r;
  r.name = c.get_string(group + ".name");
  if (c.has(group + ".weights")) r.weights = c.get_string(group + ".weights");
  r.seed = seed;
  return r;
}
}  // namespace

TrainOptions train_options(const core::Config& c) {
  TrainOptions o;
  core::RunOptions run = core::run_options(c);
  o.run_dir = run.dir;
  o.run_name = run.name;
  o.seed = static_cast<uint64_t>(run.seed);
  if (c.has("splits.toy_world")) o.toy_world = c.get_string("splits.toy_world");
  o.languages = c.get_string_list("splits.languages");
  o.train = split(c, "train");
  o.valid = split(c, "valid");
  o.test = split(c, "test");
  o.audio_backbone = backbone(c, "audio_backbone", o.seed);
  o.image_backbone = backbone(c, "image_backbone", o.seed);
  o.audio_layers = c.get_int_list("audio_backbone.layers");
  o.image_layers = c.get_int_list("image_backbone.layers");
  io::FeatureOptions features = io::feature_options(c);
  o.extraction.dtype = features.dtype;
  o.extraction.features_dir = features.dir;
  o.feature_load = features.load;
  o.feature_memory_limit_gb = features.memory_limit_gb;
  data::DataOptions data = data::data_options(c);
  o.extraction.on_bad_item = data.on_bad_item;
  o.extraction.loader_threads = data.loader_threads;
  o.extraction.image = io::image_options(c);
  o.extraction.sample_rate = io::audio_options(c).sample_rate;
  const int image_size = o.extraction.image.policy == io::ResizePolicy::shorter_side_crop ? o.extraction.image.crop
                                                                                          : o.extraction.image.resize;
  o.audio_backbone.image_size = o.image_backbone.image_size = image_size;
  for (auto* tower : {&o.model.audio, &o.model.image}) {
    tower->width = c.get_int("model.width");
    tower->depth = c.get_int("model.depth");
    tower->embed_dim = c.get_int("model.embed_dim");
    tower->dropout = c.get_float("model.dropout");
    tower->positions = c.get_string("model.positions");
    tower->standardize_inputs = c.get_bool("model.standardize_inputs");
  }
  o.model.temperature = c.get_string("model.temperature");
  o.model.fixed_scale = c.get_float("model.fixed_scale");
  o.negatives = parse_negative_mode(c.get_string("loss.negatives"));
  o.negatives_per_item = c.get_int("loss.negatives_per_item");
  o.epochs = c.get_int("train.epochs");
  o.batch_size = c.get_int("train.batch_size");
  o.optimizer = c.get_string("train.optimizer");
  o.schedule.peak_lr = c.get_float("train.lr");
  o.schedule.min_lr = c.get_float("train.min_lr");
  o.warmup_epochs = c.get_float("train.warmup_epochs");
  o.weight_decay = c.get_float("train.weight_decay");
  o.grad_clip = c.get_float("train.grad_clip");
  o.max_bad_steps = c.get_int("train.max_bad_steps");
  o.keep_checkpoints = c.get_int("train.keep_checkpoints");
  o.log_every = c.get_int("train.log_every");
  o.threads = c.get_int("train.threads");
  o.checkpoint_every_steps = c.get_int("train.checkpoint_every_steps");
  o.select_metric = c.get_string("train.select_metric");
  o.test_every_epoch = c.get_bool("train.test_every_epoch");
  o.device = c.get_string("train.device");
  o.debug_kill_at_step = c.get_int("debug.kill_at_step");
  o.debug_term_at_step = c.get_int("debug.term_at_step");
  o.debug_nan_at_steps = c.get_int_list("debug.nan_at_steps");
  if (o.warmup_epochs >= static_cast<double>(o.epochs))
    throw Error(c.source("train.warmup_epochs").describe() + ": train.warmup_epochs: expected fewer than train.epochs (" +
                std::to_string(o.epochs) + ")");
  return o;
}

}  // namespace vgs::train
