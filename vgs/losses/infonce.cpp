// Bidirectional InfoNCE losses (see infonce.h): me-vgs's sampled negatives and open_clip's in-batch loss.
#include "vgs/losses/infonce.h"

#include <ATen/ATen.h>

#include "vgs/core/error.h"
#include "vgs/core/log.h"

namespace vgs::losses {

namespace {

void require(bool ok, const char* loss, const std::string& message) {
  if (!ok) throw Error(std::string(loss) + ": " + message);
}

std::string shape_of(const at::Tensor& t) { return t.defined() ? log::cat(t.sizes()) : std::string("undefined"); }

// The scale as a 0-dim tensor (gradient kept).
at::Tensor check_scale(const at::Tensor& scale, const char* loss) {
  require(scale.defined() && scale.numel() == 1 && scale.is_floating_point(), loss,
          "scale must be one floating-point value (0-dim), got " + shape_of(scale));
  return scale.reshape({});
}

void check_pairs(const at::Tensor& audio, const at::Tensor& image, int64_t dims, const char* loss, const std::string& layout) {
  for (const auto& [name, t] : {std::pair<const char*, const at::Tensor&>{"audio", audio}, {"image", image}}) {
    require(t.defined() && t.dim() == dims && t.is_floating_point(), loss,
            log::cat(name, " embeddings must be floating point ", layout, ", got ", shape_of(t)));
  }
  require(audio.sizes() == image.sizes(), loss,
          log::cat("audio and image embeddings must have the same shape ", layout, ", got audio ", shape_of(audio),
                   " and image ", shape_of(image)));
  require(audio.size(0) >= 1, loss, "the batch is empty");
}

void check_negatives(const at::Tensor& negatives, const char* name, int64_t rows, int64_t batch, const at::Tensor& like) {
  constexpr const char* loss = "infonce_sampled_shared";
  require(negatives.defined() && negatives.dim() == 2 && negatives.size(0) == rows && negatives.size(1) >= 1, loss,
          log::cat(name, " must be [B, K] = [", rows, ", K] with K >= 1, got ", shape_of(negatives)));
  require(negatives.scalar_type() == at::kLong, loss, log::cat(name, " must be int64 indices, got ", negatives.dtype()));
  require(negatives.device() == like.device(), loss, log::cat(name, " must be on ", like.device(), ", got ", negatives.device()));
  if (negatives.is_cpu()) {  // on a GPU this check would cost a synchronisation per step
    const int64_t low = negatives.min().item<int64_t>(), high = negatives.max().item<int64_t>();
    require(low >= 0 && high < batch, loss,
            log::cat(name, " must index the batch's ", batch, " embeddings (0..", batch - 1, "), got ", low, "..", high));
  }
}

// Item i: its own row first_row + i, then its K negatives: [b, 1 + K, E].
at::Tensor gather_item_rows(const at::Tensor& embeddings, const at::Tensor& negatives, int64_t first_row) {
  const int64_t b = negatives.size(0), K = negatives.size(1);
  at::Tensor own = at::arange(first_row, first_row + b, negatives.options()).view({b, 1});
  at::Tensor rows = at::cat({own, negatives}, 1);  // [b, 1 + K]
  return embeddings.index_select(0, rows.reshape({-1})).view({b, 1 + K, embeddings.size(1)});
}

}  // namespace

LossOutput infonce_sampled(const at::Tensor& audio, const at::Tensor& image, const at::Tensor& scale) {
  constexpr const char* loss = "infonce_sampled";
  check_pairs(audio, image, 3, loss, "[B, 1 + K, E]");
  require(audio.size(1) >= 2, loss,
          log::cat("each item needs its positive pair and at least one negative ([B, 1 + K, E], K >= 1), got ", shape_of(audio)));
  const at::Tensor tau = check_scale(scale, loss);
  const int64_t B = audio.size(0);
  // The same products as me-vgs's einsum("bnd,bmd->bnm"), then times the scale.
  at::Tensor sim1 = at::bmm(audio.narrow(1, 0, 1), image.transpose(1, 2)).squeeze(1) * tau;  // [B, 1 + K]
  at::Tensor sim2 = at::bmm(audio, image.narrow(1, 0, 1).transpose(1, 2)).squeeze(2) * tau;  // [B, 1 + K]
  // Cross-entropy with target 0, row by row, so that both directions' terms come out of one pass.
  at::Tensor rows = -at::log_softmax(at::cat({sim1, sim2}, 0), 1).select(1, 0);  // [2B]
  LossOutput out;
  out.total = rows.mean();
  out.terms["audio_to_image"] = rows.narrow(0, 0, B).mean();
  out.terms["image_to_audio"] = rows.narrow(0, B, B).mean();
  return out;
}

LossOutput infonce_in_batch(const at::Tensor& audio, const at::Tensor& image, const at::Tensor& scale) {
  check_pairs(audio, image, 2, "infonce_in_batch", "[B, E]");
  return infonce_in_batch_rows(audio, image, audio, image, 0, scale);
}

LossOutput infonce_in_batch_rows(const at::Tensor& audio_rows, const at::Tensor& image_rows, const at::Tensor& all_audio,
                                 const at::Tensor& all_image, int64_t first_row, const at::Tensor& scale) {
  constexpr const char* loss = "infonce_in_batch";
  check_pairs(audio_rows, image_rows, 2, loss, "[b, E]");
  check_pairs(all_audio, all_image, 2, loss, "[B, E]");
  require(first_row >= 0 && first_row + audio_rows.size(0) <= all_audio.size(0), loss,
          log::cat("rows ", first_row, "..", first_row + audio_rows.size(0) - 1, " are not within the ", all_audio.size(0),
                   " gathered items"));
  const at::Tensor tau = check_scale(scale, loss);
  // open_clip: logit_scale * features @ other.T, labels arange(B) (offset by the rank's first row).
  at::Tensor labels = at::arange(first_row, first_row + audio_rows.size(0), audio_rows.options().dtype(at::kLong));
  LossOutput out;
  out.terms["audio_to_image"] = at::cross_entropy_loss(at::matmul(tau * audio_rows, all_image.t()), labels);
  out.terms["image_to_audio"] = at::cross_entropy_loss(at::matmul(tau * image_rows, all_audio.t()), labels);
  out.total = (out.terms["audio_to_image"] + out.terms["image_to_audio"]) / 2;
  return out;
}

LossOutput infonce_sampled_shared(const at::Tensor& audio, const at::Tensor& image, const at::Tensor& negative_images,
                                  const at::Tensor& negative_audios, const at::Tensor& scale) {
  check_pairs(audio, image, 2, "infonce_sampled_shared", "[B, E]");
  check_negatives(negative_images, "negative_images", audio.size(0), audio.size(0), image);  // every item's
  return infonce_sampled_shared_rows(audio, image, negative_images, negative_audios, 0, scale);
}

LossOutput infonce_sampled_shared_rows(const at::Tensor& all_audio, const at::Tensor& all_image,
                                       const at::Tensor& negative_images, const at::Tensor& negative_audios,
                                       int64_t first_row, const at::Tensor& scale) {
  constexpr const char* loss = "infonce_sampled_shared";
  check_pairs(all_audio, all_image, 2, loss, "[B, E]");
  const int64_t B = all_audio.size(0), b = negative_images.defined() ? negative_images.size(0) : 0;
  require(first_row >= 0 && first_row + b <= B, loss,
          log::cat("rows ", first_row, "..", first_row + b - 1, " are not within the ", B, " items"));
  check_negatives(negative_images, "negative_images", b, B, all_image);
  check_negatives(negative_audios, "negative_audios", b, B, all_audio);
  require(negative_images.size(1) == negative_audios.size(1), loss,
          log::cat("negative_images and negative_audios must have the same K, got ", shape_of(negative_images), " and ",
                   shape_of(negative_audios)));
  check_scale(scale, loss);
  return infonce_sampled(gather_item_rows(all_audio, negative_audios, first_row),
                         gather_item_rows(all_image, negative_images, first_row), scale);
}

const core::Choices<NegativeMode>& negative_modes() {
  static const core::Choices<NegativeMode> choices{{NegativeMode::sampled, "sampled"},
                                                   {NegativeMode::sampled_shared, "sampled_shared"},
                                                   {NegativeMode::in_batch, "in_batch"}};
  return choices;
}

InfoNCE::InfoNCE(NegativeMode mode, int64_t negatives_per_item) : mode_(mode), negatives_per_item_(negatives_per_item) {
  if (mode != NegativeMode::in_batch && negatives_per_item < 1) throw Error("loss.negatives_per_item must be at least 1");
}

LossOutput InfoNCE::operator()(const at::Tensor& audio, const at::Tensor& image, const BatchNegatives& negatives,
                               const at::Tensor& scale) const {
  if (negatives.images.defined())
    return infonce_sampled_shared(audio, image, negatives.images, negatives.audios, scale);
  if (negatives.own_per_item > 0) {
    const int64_t rows = 1 + negatives.own_per_item;
    return infonce_sampled(audio.view({-1, rows, audio.size(-1)}), image.view({-1, rows, image.size(-1)}), scale);
  }
  return infonce_in_batch(audio, image, scale);
}

}  // namespace vgs::losses
