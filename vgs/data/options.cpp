// The recipe keys of the data layer and their typed form. Each key's default is the struct member's.
#include "vgs/data/options.h"

#include "vgs/core/config.h"
#include "vgs/core/schema.h"

namespace vgs::data {

void add_data_options(core::Schema& s) {
  const DataOptions d;
  s.group("data", "Datasets and loading");
  s.add_path("data.audio_manifest", "JSON Lines manifest of the audio items (docs/formats.md)");
  s.add_path("data.image_manifest", "JSON Lines manifest of the image items");
  s.add_path("data.caption_manifest", "JSON Lines manifest of the captions");
  s.add_choice("data.on_bad_item", bad_item_policies(), d.on_bad_item,
               "a missing or corrupt file: error stops with its name; skip leaves it out and counts it");
  s.add_int("data.loader_threads", d.loader_threads, "threads decoding audio and images", core::Bounds::at_least(1));
}

DataOptions data_options(const core::Config& c) {
  DataOptions o;
  if (c.has("data.audio_manifest")) o.audio_manifest = c.get_string("data.audio_manifest");
  if (c.has("data.image_manifest")) o.image_manifest = c.get_string("data.image_manifest");
  if (c.has("data.caption_manifest")) o.caption_manifest = c.get_string("data.caption_manifest");
  o.on_bad_item = c.get_choice("data.on_bad_item", bad_item_policies());
  o.loader_threads = static_cast<int>(c.get_int("data.loader_threads"));
  return o;
}

}  // namespace vgs::data
