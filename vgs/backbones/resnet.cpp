// ResNet (torchvision Bottleneck v1.5) front end: modules named like torchvision's state dict, the
// stage maps as token sequences, and the weights loader with prefix stripping.
#include "vgs/backbones/resnet.h"

#include <torch/torch.h>

#include <sstream>

#include "vgs/core/error.h"
#include "vgs/core/strings.h"
#include "vgs/nn/load_state.h"

namespace vgs::backbones {

namespace {
constexpr int kStages = 4;
constexpr int64_t kExpansion = 4;  // a bottleneck's output is 4x its inner width

torch::nn::Conv2d conv(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding) {
  return torch::nn::Conv2d(
      torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding).bias(false));
}

torch::nn::BatchNorm2d batch_norm(int64_t channels, double eps) {
  return torch::nn::BatchNorm2d(torch::nn::BatchNorm2dOptions(channels).eps(eps));
}

bool has_prefix_everywhere(const io::StateDict& tensors, const std::string& prefix) {
  if (tensors.empty()) return false;
  for (const auto& item : tensors)
    if (!core::starts_with(item.first, prefix)) return false;
  return true;
}

// DDP ("module.") and DINO's MultiCropWrapper ("backbone.") prefixes, in either order, when every key has them.
io::StateDict strip_wrapper_prefixes(io::StateDict tensors) {
  for (bool stripped = true; stripped;) {
    stripped = false;
    for (std::string prefix : {"module.", "backbone."}) {
      if (!has_prefix_everywhere(tensors, prefix)) continue;
      io::StateDict renamed;
      for (auto& [name, tensor] : tensors) renamed.emplace(name.substr(prefix.size()), tensor);
      tensors = std::move(renamed);
      stripped = true;
    }
  }
  return tensors;
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string shape_text(const at::Tensor& t) {
  std::ostringstream out;
  out << t.sizes();
  return out.str();
}

bool is_full_dino_checkpoint(const io::StateDict& tensors) {
  for (const auto& item : tensors)
    if (core::starts_with(item.first, "teacher.") || core::starts_with(item.first, "student.")) return true;
  return false;
}
}  // namespace

std::string describe(const ResNetConfig& config) {
  std::vector<std::string> blocks;
  for (int64_t b : config.blocks) blocks.push_back(std::to_string(b));
  return "ResNet(blocks=[" + core::join(blocks, ",") + "], width=" + std::to_string(config.width) + ")";
}

BottleneckImpl::BottleneckImpl(int64_t in_channels, int64_t width, int64_t stride, double bn_eps) {
  if (in_channels < 1 || width < 1 || stride < 1)
    throw Error("Bottleneck: channels, width and stride must be positive (got " + std::to_string(in_channels) + ", " +
                std::to_string(width) + ", " + std::to_string(stride) + ")");
  const int64_t out_channels = width * kExpansion;
  conv1 = register_module("conv1", conv(in_channels, width, 1, 1, 0));
  bn1 = register_module("bn1", batch_norm(width, bn_eps));
  conv2 = register_module("conv2", conv(width, width, 3, stride, 1));  // v1.5: the stride is here
  bn2 = register_module("bn2", batch_norm(width, bn_eps));
  conv3 = register_module("conv3", conv(width, out_channels, 1, 1, 0));
  bn3 = register_module("bn3", batch_norm(out_channels, bn_eps));
  if (stride != 1 || in_channels != out_channels)
    downsample = register_module(
        "downsample", torch::nn::Sequential(conv(in_channels, out_channels, 1, stride, 0), batch_norm(out_channels, bn_eps)));
}

at::Tensor BottleneckImpl::forward(const at::Tensor& x) {
  auto out = bn1(conv1(x)).relu_();
  out = bn2(conv2(out)).relu_();
  out = bn3(conv3(out));
  out += downsample ? downsample->forward(x) : x;
  return out.relu_();
}

ResNetImpl::ResNetImpl(ResNetConfig config) : config_(std::move(config)) {
  if (config_.blocks.size() != static_cast<size_t>(kStages))
    throw Error(describe(config_) + ": blocks must list 4 stages (layer1..layer4), got " +
                std::to_string(config_.blocks.size()));
  for (int64_t b : config_.blocks)
    if (b < 1) throw Error(describe(config_) + ": every stage needs at least one block");
  if (config_.width < 1 || config_.in_channels < 1 || !(config_.bn_eps > 0))
    throw Error(describe(config_) + ": width, in_channels and bn_eps must be positive");

  conv1 = register_module("conv1", conv(config_.in_channels, config_.width, 7, 2, 3));
  bn1 = register_module("bn1", batch_norm(config_.width, config_.bn_eps));
  int64_t channels = config_.width;
  for (int s = 0; s < kStages; ++s) {
    auto layer = make_stage(channels, config_.width << s, config_.blocks[s], s == 0 ? 1 : 2);
    layers_.push_back(register_module("layer" + std::to_string(s + 1), layer));
  }
  for (auto& p : parameters()) {
    p.set_requires_grad(false);
    // Channels-last conv weights as well as inputs: oneDNN then skips a weight reorder per call
    // (batch 1 at 256: 19.3 vs 18.1 images/s on 2 cores). Loading copies into them, keeping the layout.
    if (config_.channels_last && p.dim() == 4) p.set_data(p.contiguous(at::MemoryFormat::ChannelsLast));
  }
  eval();
}

torch::nn::Sequential ResNetImpl::make_stage(int64_t& in_channels, int64_t width, int64_t blocks, int64_t stride) {
  torch::nn::Sequential stage;
  for (int64_t b = 0; b < blocks; ++b) {
    stage->push_back(Bottleneck(in_channels, width, b == 0 ? stride : 1, config_.bn_eps));
    in_channels = width * kExpansion;
  }
  return stage;
}

void ResNetImpl::check_stage(int stage) const {
  if (stage < 1 || stage > kStages)
    throw Error(describe(config_) + ": stage must be 1..4 (layer1..layer4), got " + std::to_string(stage));
}

int64_t ResNetImpl::stage_channels(int stage) const {
  check_stage(stage);
  return (config_.width << (stage - 1)) * kExpansion;
}

int64_t ResNetImpl::stage_stride(int stage) { return int64_t{4} << (stage - 1); }

at::Tensor ResNetImpl::stem(const at::Tensor& images) {
  if (images.dim() != 4 || images.size(1) != config_.in_channels)
    throw Error(describe(config_) + ": expected images [B, " + std::to_string(config_.in_channels) +
                ", H, W], got " + shape_text(images));
  auto x = images.to(conv1->weight.options());  // dtype and device of the weights
  if (config_.channels_last) x = x.contiguous(at::MemoryFormat::ChannelsLast);
  x = bn1(conv1(x)).relu_();
  return torch::max_pool2d(x, /*kernel_size=*/3, /*stride=*/2, /*padding=*/1);
}

std::vector<at::Tensor> ResNetImpl::stage_maps(const at::Tensor& images, int last_stage) {
  check_stage(last_stage);
  torch::NoGradGuard no_grad;
  std::vector<at::Tensor> maps;
  auto x = stem(images);  // [B, w, H/4, W/4]
  for (int s = 0; s < last_stage; ++s) {
    x = layers_[s]->forward(x);  // [B, C_s, H_s, W_s]
    maps.push_back(x);
  }
  return maps;
}

at::Tensor ResNetImpl::stage_tokens(const at::Tensor& images, int stage) {
  return map_to_tokens(stage_maps(images, stage).back());
}

ResNetFeatures ResNetImpl::forward(const at::Tensor& images) {
  ResNetFeatures features;
  for (const auto& map : stage_maps(images, kStages)) features.stages.push_back(map_to_tokens(map));
  features.tokens = features.stages.back();              // [B, H*W, C]
  features.pooled = features.tokens.mean(/*dim=*/1);     // [B, C]
  return features;
}

at::Tensor map_to_tokens(const at::Tensor& map) {
  // [B, C, H, W] -> [B, H, W, C] -> [B, H*W, C]; a view when the map is channels-last.
  return map.permute({0, 2, 3, 1}).flatten(1, 2);
}

void load_resnet_weights(ResNetImpl& model, const io::StateDict& tensors, const std::string& source) {
  if (is_full_dino_checkpoint(tensors))
    throw Error(source + ": this is a full DINO training checkpoint ('teacher'/'student' dicts); use the "
                "backbone-only file (dino_resnet50_pretrain.pth) or save teacher's backbone.* on its own");
  nn::LoadOptions options;
  options.optional = [](const std::string& name) { return ends_with(name, ".num_batches_tracked"); };
  options.ignored = [](const std::string& name) { return core::starts_with(name, "fc."); };
  nn::load_state_dict(model, strip_wrapper_prefixes(tensors), source, describe(model.config()), options);
}

}  // namespace vgs::backbones
