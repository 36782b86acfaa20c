// Gradient caching for the text grouping model (see grad_cache.h).
#include "vgs/train/grad_cache.h"

#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <torch/torch.h>

#include <mutex>
#include <optional>
#include <vector>

#include "vgs/core/error.h"
#include "vgs/core/log.h"
#include "vgs/losses/infonce.h"

namespace vgs::train {

namespace {

// The default generators' states: the CPU one always, the device's one when it is not the CPU.
class RandomState {
 public:
  explicit RandomState(const c10::Device& device) : device_(device) {
    cpu_ = get(c10::Device(c10::kCPU));
    if (!device_.is_cpu()) accelerator_ = get(device_);
  }
  void restore() const {
    set(c10::Device(c10::kCPU), cpu_);
    if (!device_.is_cpu()) set(device_, accelerator_);
  }

 private:
  static at::Tensor get(const c10::Device& device) {
    auto gen = at::globalContext().defaultGenerator(device);
    std::lock_guard<std::mutex> lock(gen.mutex());  // Note [Acquire lock when using random generators]
    return gen.get_state();
  }
  static void set(const c10::Device& device, const at::Tensor& state) {
    auto gen = at::globalContext().defaultGenerator(device);
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(state);
  }

  c10::Device device_;
  at::Tensor cpu_, accelerator_;
};

struct Chunk {
  at::Tensor ids, keep;
};

std::vector<Chunk> split(const at::Tensor& ids, const at::Tensor& keep, int64_t chunk_size) {
  std::vector<Chunk> chunks;
  for (int64_t first = 0; first < ids.size(0); first += chunk_size) {
    const int64_t n = std::min(chunk_size, ids.size(0) - first);
    chunks.push_back({ids.narrow(0, first, n), keep.narrow(0, first, n)});
  }
  return chunks;
}

// Reconstruction only: nothing couples the chunks, so each is a plain gradient-accumulation step.
GradCacheResult accumulate_reconstruction(models::TextGroupingImpl& model, const losses::TextGroupingLossConfig& config,
                                          const std::vector<Chunk>& chunks, const at::Tensor& targets) {
  at::Tensor summed;
  for (const Chunk& c : chunks) {
    models::TextGroupingOutput out = model.forward(c.ids, c.keep);
    at::Tensor part = model.reconstruction_losses(c.ids, c.keep, out.groups).sum() / targets;
    (part * config.reconstruction_weight).backward();
    summed = summed.defined() ? summed + part.detach() : part.detach();
  }
  GradCacheResult result;
  result.chunks = static_cast<int64_t>(chunks.size());
  result.loss = losses::text_grouping_loss(config, {}, {}, {}, summed);
  return result;
}

// Step 1: every chunk encoded without a graph, each chunk's random state recorded first.
struct FirstPass {
  std::vector<RandomState> encoder_states;
  std::vector<at::Tensor> pooled;  // [b, D] each
  std::optional<RandomState> decoder_state;  // after every encoder: where the decoders' draws start
};

FirstPass encode_without_graph(models::TextGroupingImpl& model, const std::vector<Chunk>& chunks,
                               const c10::Device& device) {
  torch::NoGradGuard no_grad;
  FirstPass pass;
  for (const Chunk& c : chunks) {
    pass.encoder_states.emplace_back(device);
    pass.pooled.push_back(model.forward(c.ids, c.keep).pooled);
  }
  pass.decoder_state.emplace(device);
  return pass;
}

}  // namespace

GradCacheResult grad_cache_step(models::TextGroupingImpl& model, const losses::TextGroupingLossConfig& config,
                                const at::Tensor& ids, const at::Tensor& keep, const at::Tensor& image_groups,
                                int64_t chunk_size) {
  config.validate();
  if (chunk_size < 1) throw Error(log::cat("grad cache: chunk_size must be at least 1, got ", chunk_size));
  if (!ids.defined() || ids.dim() != 2 || ids.size(0) < 1) throw Error("grad cache: ids must be [B, L] with B >= 1");
  const std::vector<Chunk> chunks = split(ids, keep, chunk_size);
  const at::Tensor targets = models::TextGroupingImpl::reconstruction_targets(keep);  // the whole batch's
  if (!config.contrastive) return accumulate_reconstruction(model, config, chunks, targets);
  if (!image_groups.defined() || image_groups.size(0) != ids.size(0))
    throw Error(log::cat("grad cache: the image groups must hold one image per caption (", ids.size(0), ")"));
  const c10::Device device = model.group_token.device();
  FirstPass pass = encode_without_graph(model, chunks, device);

  // 2. The contrastive loss on detached leaves: d loss / d pooled, and the logit scale's gradient.
  at::Tensor reps = at::cat(pass.pooled).requires_grad_(true);  // [B, D]
  at::Tensor image = losses::pool_image_groups(image_groups).to(reps.scalar_type());
  losses::infonce_in_batch(reps, image, model.scale()).total.backward();
  const at::Tensor cached = reps.grad();

  // 3. Each chunk again from its recorded state, with a graph: its share of both terms.
  GradCacheResult result;
  result.chunks = static_cast<int64_t>(chunks.size());
  at::Tensor reconstruction = at::zeros({}, reps.options().requires_grad(false));
  for (size_t i = 0, first = 0; i < chunks.size(); first += static_cast<size_t>(chunks[i].ids.size(0)), ++i) {
    const Chunk& c = chunks[i];
    pass.encoder_states[i].restore();
    models::TextGroupingOutput out = model.forward(c.ids, c.keep);
    at::Tensor surrogate = (out.pooled * cached.narrow(0, static_cast<int64_t>(first), c.ids.size(0))).sum();
    result.replay_diff = std::max(result.replay_diff, (out.pooled.detach() - pass.pooled[i]).abs().max().item<double>());
    if (config.reconstruction) {
      pass.decoder_state->restore();
      at::Tensor part = model.reconstruction_losses(c.ids, c.keep, out.groups).sum() / targets;
      pass.decoder_state.emplace(device);
      surrogate = surrogate + part * config.reconstruction_weight;
      reconstruction = reconstruction + part.detach();
    }
    surrogate.backward();
  }
  pass.decoder_state->restore();  // where the whole-batch computation leaves the generator
  at::Tensor scale = model.scale().detach();
  result.loss = losses::text_grouping_loss(config, reps.detach(), image, scale,
                                           config.reconstruction ? reconstruction : at::Tensor());
  return result;
}

}  // namespace vgs::train
