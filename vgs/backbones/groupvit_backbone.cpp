// GroupViT as a Backbone: the layer numbering of groupvit_backbone.h over GroupViTImpl::forward.
#include "vgs/backbones/groupvit_backbone.h"

#include <torch/torch.h>

#include <algorithm>
#include <filesystem>

#include "vgs/backbones/groupvit_weights.h"
#include "vgs/core/digest.h"
#include "vgs/core/error.h"
#include "vgs/io/torch_checkpoint.h"

namespace vgs::backbones {

namespace {

constexpr int64_t kProjectedLayer = 4;

class GroupViTBackbone : public Backbone {
 public:
  GroupViTBackbone(const std::string& name, const GroupViTConfig& config, const std::string& weights, int image_size)
      : model_(config), image_size_(image_size) {
    name_ = name;
    if (weights.empty()) return;
    if (!std::filesystem::exists(weights)) throw Error(weights + ": weights file not found (for backbone " + name + ")");
    load_groupvit_weights(*model_, io::read_checkpoint(weights).tensors, weights);
    weights_digest_ = core::file_digest(weights);
  }
  Modality modality() const override { return Modality::image; }
  int64_t first_layer() const override { return 1; }
  int64_t last_layer() const override { return kProjectedLayer; }
  int64_t feature_dim(int64_t layer) const override {
    return layer == kProjectedLayer ? model_->config().projection_dim : model_->config().width;
  }
  int image_size() const override { return image_size_; }

  BackboneFeatures forward(const at::Tensor& input, const at::Tensor&, const std::vector<int64_t>& layers) override {
    check_layers(layers);
    torch::InferenceMode guard;
    const int64_t highest = *std::max_element(layers.begin(), layers.end());
    // layers 1 and 2 are the grouping stages' outputs: stop there when nothing later is asked for
    GroupViTOutput out = model_->forward(input, highest <= 2 ? highest - 1 : -1);
    BackboneFeatures features;
    for (int64_t layer : layers) features.layers.push_back(pick(out, layer));
    features.lengths = at::full({input.size(0)}, features.layers[0].size(1), at::TensorOptions(at::kLong));
    return features;
  }
  void to(const c10::Device& device) override { model_->to(device); }

 private:
  static at::Tensor pick(const GroupViTOutput& out, int64_t layer) {
    if (layer <= 2) return out.stage_tokens[static_cast<size_t>(layer - 1)];
    return layer == 3 ? out.groups : out.projected;
  }

  GroupViT model_;
  int image_size_;
};

}  // namespace

std::unique_ptr<Backbone> make_groupvit_backbone(const std::string& name, const GroupViTConfig& config,
                                                 const std::string& weights, int image_size) {
  return std::make_unique<GroupViTBackbone>(name, config, weights, image_size);
}

}  // namespace vgs::backbones
