// ResNet (torchvision layout, Bottleneck v1.5) as a frozen image front end: DINO ResNet-50 gives the
// layer4 map as a token sequence [B, H*W, 2048] and its mean, with torchvision's state-dict names.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <string>
#include <vector>

#include "vgs/io/state_dict.h"

namespace vgs::backbones {

// The default is torchvision's resnet50(). `width` is the stem's channel count and the inner width of
// layer1's bottlenecks; each later stage doubles it and a bottleneck's output is 4x its inner width,
// so layer4 gives width * 32 channels (2048 for ResNet-50). A tiny config (blocks {1,1,1,1},
// width 8) exists for fast tests; only width 64 matches torchvision's weights.
struct ResNetConfig {
  std::vector<int64_t> blocks{3, 4, 6, 3};  // bottlenecks in layer1..layer4
  int64_t width = 64;
  int64_t in_channels = 3;
  double bn_eps = 1e-5;
  // Keeps conv weights and activations in NHWC (channels-last), which oneDNN runs faster on CPU
  // (ResNet-50, 256x256, batch 8 on 2 cores: 17.5 vs 14.0 images/s); the token sequences are then
  // views of the maps, no copy. Results equal NCHW to float rounding (NCHW is bit-equal to torchvision).
  bool channels_last = true;
};

// "ResNet(blocks=[3,4,6,3], width=64)", for error messages and logs.
std::string describe(const ResNetConfig& config);

// torchvision's Bottleneck (v1.5: stride on the 3x3 conv2). Names: conv1..3, bn1..3, downsample.{0,1}.
class BottleneckImpl : public torch::nn::Module {
 public:
  BottleneckImpl(int64_t in_channels, int64_t width, int64_t stride, double bn_eps);
  at::Tensor forward(const at::Tensor& x);  // [B, C_in, H, W] -> [B, 4*width, H/stride, W/stride]

 private:
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
  torch::nn::Sequential downsample{nullptr};  // conv1x1 stride s + BN, when the shape changes
};
TORCH_MODULE(Bottleneck);

// What one forward pass gives. Token sequences are row-major over H then W.
struct ResNetFeatures {
  at::Tensor tokens;               // [B, H*W, C] layer4 map (224 -> 7x7 = 49 tokens, 256 -> 64)
  at::Tensor pooled;               // [B, C] mean over the layer4 tokens (the DINO embedding)
  std::vector<at::Tensor> stages;  // stages[s - 1]: [B, H_s*W_s, C_s] token map of layer s, s = 1..4
};

// The backbone without avgpool and fc. Constructed in eval mode (BatchNorm uses its running
// statistics) with every parameter frozen (requires_grad false); calling train() would switch
// BatchNorm to batch statistics, which a frozen front end never wants.
class ResNetImpl : public torch::nn::Module {
 public:
  explicit ResNetImpl(ResNetConfig config = {});

  // images: [B, in_channels, H, W], already normalised (ImageNet mean/std). Runs without autograd.
  ResNetFeatures forward(const at::Tensor& images);
  // The maps [B, C_s, H_s, W_s] of layer1..layer `last_stage` (1..4), stopping there.
  std::vector<at::Tensor> stage_maps(const at::Tensor& images, int last_stage = 4);
  // The token map [B, H_s*W_s, C_s] of one stage (1..4), running only as far as needed.
  at::Tensor stage_tokens(const at::Tensor& images, int stage);

  // Channels of layer `stage` (1..4): 4 * width * 2^(stage-1); stage 4 of ResNet-50 gives 2048.
  int64_t stage_channels(int stage) const;
  int64_t output_dim() const { return stage_channels(4); }
  // Output stride of layer `stage`: 4, 8, 16, 32.
  static int64_t stage_stride(int stage);
  const ResNetConfig& config() const { return config_; }

 private:
  at::Tensor stem(const at::Tensor& images);  // conv1, bn1, relu, maxpool: [B, 3, H, W] -> [B, w, H/4, W/4]
  torch::nn::Sequential make_stage(int64_t& in_channels, int64_t width, int64_t blocks, int64_t stride);
  void check_stage(int stage) const;

  ResNetConfig config_;
  torch::nn::Conv2d conv1{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr};
  std::vector<torch::nn::Sequential> layers_;  // registered as layer1..layer4
};
TORCH_MODULE(ResNet);

// A map [B, C, H, W] as tokens [B, H*W, C], row-major over H then W (a view when channels-last).
at::Tensor map_to_tokens(const at::Tensor& map);

// Loads torchvision-named weights (DINO's backbone-only dino_resnet50_pretrain.pth, or any
// torchvision resnet50 state dict) into `model`:
//  - a "module." and/or "backbone." prefix is stripped when every key has it (DDP / MultiCropWrapper);
//  - fc.* (the classifier torchvision keeps and DINO drops) is ignored;
//  - num_batches_tracked may be absent (unused in eval);
//  - anything else missing, unexpected or mis-shaped gives one vgs::Error listing all of them.
// A full DINO training checkpoint (top-level 'teacher'/'student' dicts) is refused with an error that
// asks for the backbone-only file; `source` names the file in every message.
void load_resnet_weights(ResNetImpl& model, const io::StateDict& tensors, const std::string& source);

}  // namespace vgs::backbones
