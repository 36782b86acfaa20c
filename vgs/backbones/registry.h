// The backbone registry: recipes and vgs-extract name a backbone ("wavlm_base_plus",
// "dino_resnet50", "fbank", "patches", ...) and a weights file; the registry builds it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "vgs/backbones/backbone.h"

namespace vgs::backbones {

struct BackboneRequest {
  std::string name;
  std::string weights;  // path; "" = random initialisation (tiny test configs) or weight-free
  int image_size = 0;   // image backbones: the side images are resized to (0 = the backbone's default)
  uint64_t seed = 0;    // random initialisation
};

// Builds and loads the backbone; vgs::Error for an unknown name (with the known ones and a
// suggestion), a missing weights file, or weights that do not match.
std::unique_ptr<Backbone> make_backbone(const BackboneRequest& request);

struct BackboneInfo {
  std::string name;
  Modality modality;
  bool needs_weights;  // false: weight-free, or random initialisation is the point (tiny configs)
  std::string description;
};
const std::vector<BackboneInfo>& backbone_catalogue();

}  // namespace vgs::backbones
