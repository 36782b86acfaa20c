// The recipe keys of vgs-extract and their typed form. Each key's default is the struct member's.
#include "vgs/backbones/options.h"

#include "vgs/backbones/registry.h"
#include "vgs/core/config.h"
#include "vgs/core/config_checks.h"
#include "vgs/core/error.h"
#include "vgs/core/schema.h"
#include "vgs/core/strings.h"
#include "vgs/data/options.h"
#include "vgs/io/options.h"
#include "vgs/nn/device.h"

namespace vgs::backbones {

using core::Bounds;

namespace {
const char* modality_name(Modality m) { return m == Modality::audio ? "audio" : "image"; }

// The registry's names, of one modality or all.
std::vector<std::string> backbone_names(std::optional<Modality> modality) {
  std::vector<std::string> names;
  for (const auto& info : backbone_catalogue())
    if (!modality || info.modality == *modality) names.push_back(info.name);
  return names;
}

void check_backbone_name(const core::Config& c, const std::string& key, std::optional<Modality> modality) {
  if (!c.has(key)) return;  // extract.backbone may come from the command line later
  const std::string& name = c.get_string(key);
  for (const auto& info : backbone_catalogue()) {
    if (info.name != name) continue;
    if (!modality || info.modality == *modality) return;
    throw Error(core::where(c, key) + ": expected an " + modality_name(*modality) + " backbone (" +
                core::join(backbone_names(modality), ", ") + "), got " + core::quote(name) + ", an " +
                modality_name(info.modality) + " backbone");
  }
  const std::vector<std::string> names = backbone_names(modality);
  const std::string hint = core::closest_match(name, names);
  throw Error(core::where(c, key) + ": unknown backbone " + core::quote(name) +
              (hint.empty() ? "" : " (did you mean '" + hint + "'?)") + "; known: " + core::join(names, ", "));
}
}  // namespace

void add_backbone_name_check(core::Schema& s, const std::string& key, std::optional<Modality> modality) {
  s.add_check([key, modality](const core::Config& c) { check_backbone_name(c, key, modality); });
}

void add_backbone_options(core::Schema& s) {
  const ExtractionOptions d;
  s.group("extract", "vgs-extract: run a frozen backbone over a manifest into a feature store");
  s.add_string("extract.backbone", std::nullopt,
               "backbone name: wavlm_base, wavlm_base_plus, wavlm_large, wavlm_tiny, wav2vec2_base, wav2vec2_tiny, "
               "hubert_base, hubert_tiny, dino_resnet50, resnet50, resnet_tiny, groupvit, groupvit_tiny, fbank, patches");
  s.add_path("extract.weights", "weights file of the backbone (HF .bin/.safetensors, torchaudio .pth, unilm/fairseq .pt, DINO .pth, "
             "NVlabs GroupViT .pth)");
  s.add_int_list("extract.layers", {}, "hidden states to store (empty: the backbone's last layer)", Bounds::at_least(0));
  s.add_bool("extract.all_layers", d.all_layers, "store every hidden state ([L, T, D] per item)");
  s.add_path("extract.manifest", "audio or image manifest to extract (by the backbone's modality)");
  s.add_path("extract.output", "feature store to write (default <features.dir>/<manifest>.<backbone>.l<layers>.h5)");
  s.add_int("extract.batch_size", d.batch_size, "items per batch", Bounds::at_least(1));
  s.add_float("extract.max_batch_seconds", d.max_batch_seconds, "audio per batch, counted as items x longest item", Bounds::positive());
  s.add_string("extract.device", d.device, "where the backbone runs: auto, cpu, cuda or cuda:N");
  s.add_int("extract.items_per_shard", d.items_per_shard, "items per resumable shard (work lost to an interruption at most)",
            Bounds::at_least(1));
  s.add_int("extract.seed", static_cast<int64_t>(d.backbone.seed), "seed of randomly initialised (tiny) backbones", Bounds::at_least(0));
  add_backbone_name_check(s, "extract.backbone");
  nn::add_device_check(s, "extract.device");
}

BackboneRequest backbone_request(const core::Config& c) {
  if (!c.has("extract.backbone")) throw Error("extract.backbone is not set (--backbone NAME or --set extract.backbone=NAME)");
  BackboneRequest r;
  r.name = c.get_string("extract.backbone");
  if (c.has("extract.weights")) r.weights = c.get_string("extract.weights");
  r.seed = static_cast<uint64_t>(c.get_int("extract.seed"));
  // Image backbones run at the size the preprocessing produces.
  io::ImageOptions image = io::image_options(c);
  r.image_size = image.policy == io::ResizePolicy::shorter_side_crop ? image.crop : image.resize;
  return r;
}

ExtractionOptions decoding_options(const core::Config& c) {
  ExtractionOptions o;
  io::FeatureOptions features = io::feature_options(c);
  o.dtype = features.dtype;
  o.features_dir = features.dir;
  data::DataOptions data = data::data_options(c);
  o.on_bad_item = data.on_bad_item;
  o.loader_threads = data.loader_threads;
  o.image = io::image_options(c);
  o.sample_rate = io::audio_options(c).sample_rate;
  return o;
}

ExtractionOptions extraction_options(const core::Config& c) {
  ExtractionOptions o = decoding_options(c);
  o.backbone = backbone_request(c);
  if (!c.has("extract.manifest")) throw Error("extract.manifest is not set (--manifest FILE or --set extract.manifest=FILE)");
  o.layers = c.get_int_list("extract.layers");
  o.all_layers = c.get_bool("extract.all_layers");
  o.manifest = c.get_string("extract.manifest");
  if (c.has("extract.output")) o.output = c.get_string("extract.output");
  o.batch_size = c.get_int("extract.batch_size");
  o.max_batch_seconds = c.get_float("extract.max_batch_seconds");
  o.device = nn::device_option(c, "extract.device");
  o.items_per_shard = c.get_int("extract.items_per_shard");
  return o;
}

}  // namespace vgs::backbones
