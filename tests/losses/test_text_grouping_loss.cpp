// Tests of the text grouping loss: the image-side pooling on a hand case, the terms and total of each
// ablation (against CLIP's in-batch loss, whose values tests/losses/test_infonce.cpp checks against
// open_clip), the whole-batch loss against its parts, and the errors.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <cmath>

#include "tests/models/parity.h"
#include "tests/models/text_grouping_fixture.h"
#include "vgs/losses/infonce.h"
#include "vgs/losses/text_grouping_loss.h"

using namespace vgs;

TEST_CASE("image groups are mean pooled and re-normalised") {
  // Two groups (1, 0) and (0, 1): mean (0.5, 0.5), normalised (0.7071, 0.7071); one group is itself.
  at::Tensor groups = torch::tensor({1.0, 0.0, 0.0, 1.0}).view({1, 2, 2});
  CHECK(test::max_abs_diff(losses::pool_image_groups(groups), torch::full({1, 2}, std::sqrt(0.5))) < 1e-7);
  at::Tensor one = torch::tensor({3.0, 4.0}).view({1, 1, 2});
  CHECK(test::max_abs_diff(losses::pool_image_groups(one), torch::tensor({0.6, 0.8}).view({1, 2})) < 1e-7);
  CHECK(test::error_of([] { losses::pool_image_groups(torch::zeros({2, 3})); }) ==
        "text grouping loss: image groups must be floating point [B, G, D], got [2, 3]");
}

TEST_CASE("text grouping loss adds the weighted reconstruction to CLIP's loss, either switched off") {
  torch::manual_seed(2);
  auto unit = [](const at::Tensor& x) { return x / x.norm(2, {-1}, true); };
  at::Tensor text = unit(torch::randn({4, 8})), image = unit(torch::randn({4, 8}));
  at::Tensor scale = torch::tensor(20.0), reconstruction = torch::tensor(3.5);
  losses::LossOutput clip = losses::infonce_in_batch(text, image, scale);

  losses::TextGroupingLossConfig both;
  both.reconstruction_weight = 0.5;
  losses::LossOutput out = losses::text_grouping_loss(both, text, image, scale, reconstruction);
  CHECK(out.total.item<double>() == Approx(clip.total.item<double>() + 1.75).epsilon(1e-6));
  CHECK(out.terms.at("contrastive").item<double>() == clip.total.item<double>());
  CHECK(out.terms.at("text_to_image").item<double>() == clip.terms.at("audio_to_image").item<double>());
  CHECK(out.terms.at("image_to_text").item<double>() == clip.terms.at("image_to_audio").item<double>());
  CHECK(out.terms.at("reconstruction").item<double>() == 3.5);  // unweighted

  losses::TextGroupingLossConfig contrastive_only;
  contrastive_only.reconstruction = false;
  out = losses::text_grouping_loss(contrastive_only, text, image, scale, {});
  CHECK(out.total.item<double>() == clip.total.item<double>());
  CHECK(out.terms.count("reconstruction") == 0);

  losses::TextGroupingLossConfig reconstruction_only;
  reconstruction_only.contrastive = false;
  out = losses::text_grouping_loss(reconstruction_only, {}, {}, {}, reconstruction);
  CHECK(out.total.item<double>() == 3.5);
  CHECK(out.terms.size() == 1);

  losses::TextGroupingLossConfig neither;
  neither.contrastive = neither.reconstruction = false;
  CHECK(test::error_of([&] { losses::text_grouping_loss(neither, text, image, scale, reconstruction); }) ==
        "text grouping loss: loss.contrastive and loss.reconstruction are both off: nothing to train");
}

TEST_CASE("the whole-batch text grouping loss is the model's parts put together") {
  torch::manual_seed(3);
  models::TextGrouping model(test::small_text_grouping());
  model->eval();
  test::TokenBatch batch = test::token_batch({7, 3, 10, 5}, 10, 40, 4);
  at::Tensor image_groups = torch::randn({4, 8, 16});
  losses::TextGroupingLossConfig config;
  losses::LossOutput out = losses::text_grouping_batch_loss(*model, config, batch.ids, batch.keep, image_groups);
  auto text = model->forward(batch.ids, batch.keep);
  const double contrastive =
      losses::infonce_in_batch(text.pooled, losses::pool_image_groups(image_groups), model->scale()).total.item<double>();
  const double reconstruction = model->reconstruction_loss(batch.ids, batch.keep, text.groups).item<double>();
  CHECK(out.terms.at("contrastive").item<double>() == Approx(contrastive).epsilon(1e-6));
  CHECK(out.terms.at("reconstruction").item<double>() == Approx(reconstruction).epsilon(1e-6));
  CHECK(out.total.item<double>() == Approx(contrastive + reconstruction).epsilon(1e-6));
  // A caption vocabulary of 40 at initialisation: reconstruction near ln(40).
  CHECK(reconstruction == Approx(std::log(40.0)).margin(0.5));
  CHECK_THAT(test::error_of([&] {
               losses::text_grouping_batch_loss(*model, config, batch.ids, batch.keep, image_groups.narrow(0, 0, 3));
             }),
             Catch::Contains("image groups [3, 8, 16] must hold one image per caption (4)"));
}
