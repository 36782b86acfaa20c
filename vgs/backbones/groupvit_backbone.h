// GroupViT behind the Backbone interface, so that vgs-extract caches its group embeddings like any
// other image front end. Layers: 1 = stage-0 segment tokens [B, 64, 384], 2 = stage-1 groups
// [B, 8, 384], 3 = the final groups after the last LayerNorm [B, 8, 384], 4 = the projected groups
// [B, 8, 256] (the default: the embeddings GroupViT matches against text).
#pragma once

#include <memory>
#include <string>

#include "vgs/backbones/backbone.h"
#include "vgs/backbones/groupvit.h"

namespace vgs::backbones {

// `weights` "" keeps the (seeded) random initialisation; otherwise an NVlabs or HF file.
std::unique_ptr<Backbone> make_groupvit_backbone(const std::string& name, const GroupViTConfig& config,
                                                 const std::string& weights, int image_size);

}  // namespace vgs::backbones
