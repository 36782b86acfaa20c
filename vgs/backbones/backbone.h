// The frozen-backbone interface: what vgs-extract, training and evaluation call, whatever the
// network (WavLM, ResNet, fbank, patches). A backbone turns a batch of waveforms or images into
// token sequences, one [B, T, D] tensor per requested layer.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <memory>
#include <string>
#include <vector>

namespace vgs::backbones {

enum class Modality { audio, image };

struct BackboneFeatures {
  std::vector<at::Tensor> layers;  // requested layers in request order, each [B, T, D]
  at::Tensor lengths;              // [B] int64: valid tokens of each item (the rest is padding)
};

class Backbone {
 public:
  virtual ~Backbone() = default;

  virtual Modality modality() const = 0;
  // Valid layer indices are first_layer()..last_layer(); default_layer() is what recipes get
  // when they name none (the last layer, as the me-vgs papers use).
  virtual int64_t first_layer() const { return 0; }
  virtual int64_t last_layer() const = 0;
  virtual int64_t default_layer() const { return last_layer(); }
  virtual int64_t feature_dim(int64_t layer) const = 0;
  virtual int sample_rate() const { return 0; }  // audio backbones: the rate they take
  virtual int image_size() const { return 0; }   // image backbones: the side they are run at
  // audio backbones: the fewest samples that give one frame (shorter audio is a bad item)
  virtual int64_t min_samples() const { return 1; }

  // audio: input [B, N] float waveforms, lengths [B] valid samples; image: input [B, 3, H, W]
  // normalised, lengths ignored. Runs in inference mode; stops after the highest layer asked for.
  virtual BackboneFeatures forward(const at::Tensor& input, const at::Tensor& lengths,
                                   const std::vector<int64_t>& layers) = 0;
  virtual void to(const c10::Device& device) = 0;

  const std::string& name() const { return name_; }
  const std::string& weights_digest() const { return weights_digest_; }
  // Checks `layers` against the valid range; vgs::Error naming the backbone otherwise.
  void check_layers(const std::vector<int64_t>& layers) const;
  // Every valid layer, for "all".
  std::vector<int64_t> all_layers() const;

 protected:
  std::string name_;
  std::string weights_digest_;  // "" for weight-free front ends and random initialisation
};

}  // namespace vgs::backbones
