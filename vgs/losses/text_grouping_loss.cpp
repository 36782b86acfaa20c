// The text grouping loss (see text_grouping_loss.h).
#include "vgs/losses/text_grouping_loss.h"

#include <ATen/ATen.h>

#include "vgs/core/error.h"
#include "vgs/core/log.h"
#include "vgs/losses/infonce.h"

namespace vgs::losses {

namespace {
void require(bool ok, const std::string& message) {
  if (!ok) throw Error("text grouping loss: " + message);
}
std::string shape_of(const at::Tensor& t) { return t.defined() ? log::cat(t.sizes()) : std::string("undefined"); }
}  // namespace

void TextGroupingLossConfig::validate() const {
  require(contrastive || reconstruction, "loss.contrastive and loss.reconstruction are both off: nothing to train");
  require(reconstruction_weight >= 0, log::cat("reconstruction_weight must not be negative, got ", reconstruction_weight));
}

at::Tensor pool_image_groups(const at::Tensor& image_groups) {
  require(image_groups.defined() && image_groups.dim() == 3 && image_groups.size(1) >= 1 &&
              image_groups.is_floating_point(),
          "image groups must be floating point [B, G, D], got " + shape_of(image_groups));
  at::Tensor pooled = image_groups.mean(1);
  return pooled / pooled.norm(2, {-1}, /*keepdim=*/true).clamp_min(1e-12);  // [B, D]
}

LossOutput text_grouping_loss(const TextGroupingLossConfig& config, const at::Tensor& text, const at::Tensor& image,
                              const at::Tensor& scale, const at::Tensor& reconstruction) {
  config.validate();
  LossOutput out;
  if (config.contrastive) {
    LossOutput c = infonce_in_batch(text, image, scale);  // its "audio" is the text here
    out.terms["text_to_image"] = c.terms.at("audio_to_image");
    out.terms["image_to_text"] = c.terms.at("image_to_audio");
    out.terms["contrastive"] = c.total;
    out.total = c.total;
  }
  if (config.reconstruction) {
    require(reconstruction.defined() && reconstruction.numel() == 1,
            "the reconstruction term must be one value, got " + shape_of(reconstruction));
    out.terms["reconstruction"] = reconstruction.reshape({});
    at::Tensor weighted = reconstruction.reshape({}) * config.reconstruction_weight;
    out.total = out.total.defined() ? out.total + weighted : weighted;
  }
  return out;
}

LossOutput text_grouping_batch_loss(models::TextGroupingImpl& model, const TextGroupingLossConfig& config,
                                    const at::Tensor& ids, const at::Tensor& keep, const at::Tensor& image_groups) {
  config.validate();
  models::TextGroupingOutput text = model.forward(ids, keep);
  at::Tensor image, reconstruction;
  if (config.contrastive) {
    require(image_groups.defined() && image_groups.size(0) == ids.size(0),
            log::cat("image groups ", shape_of(image_groups), " must hold one image per caption (", ids.size(0), ")"));
    image = pool_image_groups(image_groups).to(text.pooled.scalar_type());
  }
  if (config.reconstruction) reconstruction = model.reconstruction_loss(ids, keep, text.groups);
  return text_grouping_loss(config, text.pooled, image, model.scale(), reconstruction);
}

}  // namespace vgs::losses
