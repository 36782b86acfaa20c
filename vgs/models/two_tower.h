// The two-tower audio-image model of me-vgs: one PoolingTower per modality and the logit scale
// (temperature) that multiplies their cosine similarities in the contrastive losses.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <cmath>
#include <string>

#include "vgs/io/state_dict.h"
#include "vgs/models/pooling_tower.h"

namespace vgs::models {

// Temperature. me-vgs registers logit_scale = ln(1/0.07) as a parameter but scores with
// max(exp(logit_scale), 100): exp(ln(1/0.07)) = 14.3 < 100, so the scale is a constant 100 and no
// gradient ever reaches logit_scale (torch.maximum passes it to the larger side only). The paper
// recipes therefore use temperature "fixed" at 100. "learnable" is CLIP/open_clip's: exp(logit_scale)
// from ln(1/0.07), clamped to [0, ln(max_scale)] after each optimizer step.
enum class Temperature { fixed, learnable };
const core::Choices<Temperature>& temperatures();  // model.temperature

struct TwoTowerConfig {
  PoolingTowerConfig audio{768};
  PoolingTowerConfig image{2048};
  Temperature temperature = Temperature::fixed;
  double fixed_scale = 100.0;
  double logit_scale_init = std::log(1 / 0.07);
  double max_scale = 100.0;

  // Throws vgs::Error naming the first inconsistent value (the towers' included).
  void validate() const;
  bool learnable() const { return temperature == Temperature::learnable; }
};

// Submodules audio_tower and image_tower; parameter logit_scale only when the temperature is learnable.
class TwoTowerImpl : public torch::nn::Module {
 public:
  explicit TwoTowerImpl(TwoTowerConfig config = {});

  // features [B, T, D] (or [B, L, T, D]), lengths [B] or undefined -> [B, E], L2-normalised.
  at::Tensor embed_audio(const at::Tensor& features, const at::Tensor& lengths = {});
  at::Tensor embed_image(const at::Tensor& features, const at::Tensor& lengths = {});

  // The multiplier of the similarities, a 0-dim tensor on the model's device: fixed_scale (no
  // gradient) or exp(logit_scale).
  at::Tensor scale() const;
  // open_clip's step hook: logit_scale.clamp_(0, ln(max_scale)) without autograd; a no-op when fixed.
  void clamp_logit_scale();
  const TwoTowerConfig& config() const { return config_; }

  PoolingTower audio_tower{nullptr}, image_tower{nullptr};
  at::Tensor logit_scale;  // 0-dim; undefined when the temperature is fixed

 private:
  TwoTowerConfig config_;
};
TORCH_MODULE(TwoTower);

// A me-vgs CLIP state dict under TwoTower's names: audio_enc.pool.* -> audio_tower.*,
// image_enc.pool.* -> image_tower.*, the single `layer.` -> `layers.0.`; logit_scale kept (ignore it
// when loading a fixed-temperature model). Other entries (a trainable image backbone) are dropped.
io::StateDict rename_me_vgs_state(const io::StateDict& state);

}  // namespace vgs::models
