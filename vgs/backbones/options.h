// The recipe keys of vgs-extract (extract.*) and their typed form.
#pragma once

#include <optional>
#include <string>

#include "vgs/backbones/backbone.h"
#include "vgs/backbones/extraction.h"

namespace vgs::core {
class Schema;
class Config;
}  // namespace vgs::core

namespace vgs::backbones {

void add_backbone_options(core::Schema& schema);

// Adds the rule that the backbone named at `key`, when set, is one the registry builds and, when
// `modality` is given, of that modality: a recipe naming an unknown backbone is refused as it loads
// (vgs-config too), not after the data is read.
void add_backbone_name_check(core::Schema& schema, const std::string& key,
                             std::optional<Modality> modality = std::nullopt);

// The backbone extract.* names (and the image size the preprocessing gives image backbones).
BackboneRequest backbone_request(const core::Config& config);

// What every extraction reads besides its backbone and manifest: decoding (audio, image), the
// feature store's dtype and folder, bad-item policy and loader threads (the training caches too).
ExtractionOptions decoding_options(const core::Config& config);

// Reads extract.* plus the audio, image, features and data keys it depends on.
ExtractionOptions extraction_options(const core::Config& config);

}  // namespace vgs::backbones
