// The two-tower model (see two_tower.h): the towers, the temperature and me-vgs state-dict names.
#include "vgs/models/two_tower.h"

#include <ATen/ATen.h>

#include "vgs/core/error.h"
#include "vgs/core/log.h"

namespace vgs::models {

namespace {
void require(bool ok, const std::string& message) {
  if (!ok) throw Error("two-tower model: " + message);
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }
}  // namespace

const core::Choices<Temperature>& temperatures() {
  static const core::Choices<Temperature> choices{{Temperature::fixed, "fixed"}, {Temperature::learnable, "learnable"}};
  return choices;
}

void TwoTowerConfig::validate() const {
  audio.validate();
  image.validate();
  require(audio.embed_dim == image.embed_dim,
          log::cat("the towers must share embed_dim, got audio ", audio.embed_dim, " and image ", image.embed_dim));
  require(fixed_scale > 0, log::cat("fixed_scale must be positive, got ", fixed_scale));
  require(max_scale >= 1, log::cat("max_scale must be at least 1 (the clamp is [0, ln(max_scale)]), got ", max_scale));
  require(logit_scale_init >= 0 && logit_scale_init <= std::log(max_scale),
          log::cat("logit_scale_init must lie in [0, ln(max_scale) = ", std::log(max_scale), "], got ", logit_scale_init));
}

TwoTowerImpl::TwoTowerImpl(TwoTowerConfig config) : config_(std::move(config)) {
  config_.validate();
  audio_tower = register_module("audio_tower", PoolingTower(config_.audio));
  image_tower = register_module("image_tower", PoolingTower(config_.image));
  if (config_.learnable())  // 0-dim, as open_clip's and me-vgs's
    logit_scale = register_parameter("logit_scale", torch::full({}, config_.logit_scale_init, torch::kFloat));
}

at::Tensor TwoTowerImpl::embed_audio(const at::Tensor& features, const at::Tensor& lengths) {
  return audio_tower->forward(features, lengths);
}

at::Tensor TwoTowerImpl::embed_image(const at::Tensor& features, const at::Tensor& lengths) {
  return image_tower->forward(features, lengths);
}

at::Tensor TwoTowerImpl::scale() const {
  if (logit_scale.defined()) return logit_scale.exp();
  return at::scalar_tensor(config_.fixed_scale, audio_tower->class_embedding.options().requires_grad(false));
}

void TwoTowerImpl::clamp_logit_scale() {
  if (!logit_scale.defined()) return;
  torch::NoGradGuard no_grad;
  logit_scale.clamp_(0, std::log(config_.max_scale));
}

io::StateDict rename_me_vgs_state(const io::StateDict& state) {
  io::StateDict renamed;
  for (const auto& [name, tensor] : state) {
    std::string tower, rest;
    if (starts_with(name, "audio_enc.pool.")) {
      tower = "audio_tower.";
      rest = name.substr(15);
    } else if (starts_with(name, "image_enc.pool.")) {
      tower = "image_tower.";
      rest = name.substr(15);
    } else if (name == "logit_scale") {
      renamed.emplace(name, tensor);
      continue;
    } else {
      continue;
    }
    if (starts_with(rest, "layer.")) rest = "layers.0." + rest.substr(6);
    renamed.emplace(tower + rest, tensor);
  }
  return renamed;
}

}  // namespace vgs::models
