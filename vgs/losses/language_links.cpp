// The language-links loss (see language_links.h).
#include "vgs/losses/language_links.h"

#include "vgs/core/error.h"
#include "vgs/core/log.h"
#include "vgs/losses/infonce.h"

namespace vgs::losses {

namespace {
std::string shape_of(const at::Tensor& t) { return t.defined() ? log::cat(t.sizes()) : std::string("undefined"); }
}  // namespace

LossOutput language_links_loss(const at::Tensor& audio1, const at::Tensor& audio2, const at::Tensor& image,
                               const at::Tensor& scale) {
  // The three lists side by side; infonce_sampled checks the rest (layout, K >= 1, the scale).
  if (!audio1.defined() || !audio2.defined() || !image.defined() || audio1.sizes() != image.sizes() ||
      audio2.sizes() != image.sizes())
    throw Error("language_links_loss: audio1, audio2 and image must have the same shape [B, 1 + K, E], got " +
                shape_of(audio1) + ", " + shape_of(audio2) + " and " + shape_of(image));
  LossOutput out;
  out.terms["audio1_image"] = infonce_sampled(audio1, image, scale).total;
  out.terms["audio2_image"] = infonce_sampled(audio2, image, scale).total;
  out.terms["audio1_audio2"] = infonce_sampled(audio1, audio2, scale).total;
  out.total = (out.terms["audio1_image"] + out.terms["audio2_image"] + out.terms["audio1_audio2"]) / 3;
  return out;
}

}  // namespace vgs::losses
