// Tests of the InfoNCE losses: values and gradients (embeddings and logit scale) against me-vgs's
// CLIP.forward (tests/python/ref_me_vgs.py) and open_clip's ClipLoss (tests/python/ref_infonce.py) in
// float32 and float64, the shared-negative form against the sampled one, and the shape errors.
//
// Tolerance: relative_diff = max |diff| / max(1, max |expected|) (tests/models/parity.h), at most 1e-6
// in float32 and 1e-12 in float64.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <iostream>

#include "tests/models/parity.h"
#include "vgs/core/error.h"
#include "vgs/losses/infonce.h"

using namespace vgs;
using Catch::Contains;

namespace {

double tolerance(const std::string& dtype) { return dtype == "float64" ? 1e-12 : 1e-6; }

at::Tensor unit_rows(const at::Tensor& x) { return x / x.norm(2, {-1}, true); }

// The worst relative difference over the loss, its terms and the gradients of one case.
struct CaseResult {
  double values = 0, gradients = 0;
};

CaseResult compare(const losses::LossOutput& loss, const io::StateDict& ref, const std::string& c,
                   const std::vector<std::pair<at::Tensor, std::string>>& leaves) {
  CaseResult r;
  r.values = std::max({test::relative_diff(loss.total, ref.at(c + "loss")),
                       test::relative_diff(loss.terms.at("audio_to_image"), ref.at(c + "audio_to_image")),
                       test::relative_diff(loss.terms.at("image_to_audio"), ref.at(c + "image_to_audio"))});
  loss.total.backward();
  for (const auto& [leaf, name] : leaves) {
    INFO("gradient " << c << name);
    REQUIRE(leaf.grad().defined());
    r.gradients = std::max(r.gradients, test::relative_diff(leaf.grad(), ref.at(c + name)));
  }
  return r;
}

at::Tensor leaf(const at::Tensor& t) { return t.clone().requires_grad_(true); }

}  // namespace

TEST_CASE("infonce sampled matches me-vgs CLIP forward with values and gradients") {
  for (const std::string dtype : {"float32", "float64"}) {
    INFO(dtype);
    test::TempDir dir;
    const io::StateDict ref = test::python_reference(dir, "ref_me_vgs.py", "loss --dtype " + dtype, "loss.pt").tensors;

    // fixed: me-vgs's scale max(exp(ln(1/0.07)), 100) = 100 is the constant 100; raw embeddings are
    // normalised first as the tower does, so gradients reach the raw values through it.
    at::Tensor audio = leaf(ref.at("fixed.audio")), image = leaf(ref.at("fixed.image"));
    auto fixed_scale = torch::tensor(100.0, audio.options().requires_grad(false)).reshape({});
    auto fixed = compare(losses::infonce_sampled(unit_rows(audio), unit_rows(image), fixed_scale), ref, "fixed.",
                         {{audio, "grad_audio"}, {image, "grad_image"}});
    CHECK(ref.at("fixed.grad_logit_scale").item<double>() == 0);

    // learnable: exp(logit_scale) = 150 in me-vgs's maximum; its gradient too.
    audio = leaf(ref.at("learnable.audio"));
    image = leaf(ref.at("learnable.image"));
    at::Tensor logit_scale = leaf(ref.at("learnable.logit_scale"));
    auto learnable = compare(losses::infonce_sampled(unit_rows(audio), unit_rows(image), logit_scale.exp()), ref,
                             "learnable.", {{audio, "grad_audio"}, {image, "grad_image"}, {logit_scale, "grad_logit_scale"}});

    // direct: gradients with respect to the normalised embeddings themselves.
    audio = leaf(ref.at("direct.audio"));
    image = leaf(ref.at("direct.image"));
    logit_scale = leaf(ref.at("direct.logit_scale"));
    auto direct = compare(losses::infonce_sampled(audio, image, logit_scale.exp()), ref, "direct.",
                          {{audio, "grad_audio"}, {image, "grad_image"}, {logit_scale, "grad_logit_scale"}});

    std::cout << "infonce_sampled vs me-vgs (" << dtype << "): relative diff of values / gradients: fixed "
              << fixed.values << " / " << fixed.gradients << ", learnable " << learnable.values << " / "
              << learnable.gradients << ", direct " << direct.values << " / " << direct.gradients << "\n";
    for (const auto& r : {fixed, learnable, direct}) {
      CHECK(r.values <= tolerance(dtype));
      CHECK(r.gradients <= tolerance(dtype));
    }
  }
}

TEST_CASE("infonce sampled shared matches me-vgs CLIP forward on the gathered negatives") {
  for (const std::string dtype : {"float32", "float64"}) {
    INFO(dtype);
    test::TempDir dir;
    const io::StateDict ref = test::python_reference(dir, "ref_me_vgs.py", "loss --dtype " + dtype, "loss.pt").tensors;
    at::Tensor audio = leaf(ref.at("shared.audio")), image = leaf(ref.at("shared.image"));
    at::Tensor logit_scale = leaf(ref.at("shared.logit_scale"));
    auto loss = losses::infonce_sampled_shared(audio, image, ref.at("shared.negative_images"),
                                               ref.at("shared.negative_audios"), logit_scale.exp());
    auto r = compare(loss, ref, "shared.", {{audio, "grad_audio"}, {image, "grad_image"}, {logit_scale, "grad_logit_scale"}});
    std::cout << "infonce_sampled_shared vs me-vgs on gathered rows (" << dtype << "): relative diff of values "
              << r.values << ", gradients " << r.gradients << "\n";
    CHECK(r.values <= tolerance(dtype));
    CHECK(r.gradients <= tolerance(dtype));
  }
}

TEST_CASE("infonce sampled shared equals infonce sampled on the gathered embeddings") {
  torch::manual_seed(5);
  const int64_t B = 7, K = 11, E = 12;
  auto audio = leaf(unit_rows(torch::randn({B, E}, torch::kDouble)));
  auto image = leaf(unit_rows(torch::randn({B, E}, torch::kDouble)));
  auto negative_images = torch::randint(0, B, {B, K});  // repeats, and an item's own row, included
  auto negative_audios = torch::randint(0, B, {B, K});
  auto scale = torch::tensor(100.0, torch::kDouble).reshape({});
  auto shared = losses::infonce_sampled_shared(audio, image, negative_images, negative_audios, scale);
  shared.total.backward();

  // The same rows stacked one by one, as 1 + K sampled pairs per item would have been embedded.
  auto audio2 = leaf(audio.detach()), image2 = leaf(image.detach());
  std::vector<at::Tensor> audio_rows, image_rows;
  for (int64_t b = 0; b < B; ++b) {
    std::vector<at::Tensor> a{audio2[b]}, i{image2[b]};
    for (int64_t k = 0; k < K; ++k) {
      a.push_back(audio2[negative_audios[b][k].item<int64_t>()]);
      i.push_back(image2[negative_images[b][k].item<int64_t>()]);
    }
    audio_rows.push_back(torch::stack(a));
    image_rows.push_back(torch::stack(i));
  }
  auto sampled = losses::infonce_sampled(torch::stack(audio_rows), torch::stack(image_rows), scale);
  sampled.total.backward();
  CHECK(test::max_abs_diff(shared.total, sampled.total) <= 1e-12);
  CHECK(test::max_abs_diff(shared.terms.at("audio_to_image"), sampled.terms.at("audio_to_image")) <= 1e-12);
  CHECK(test::max_abs_diff(shared.terms.at("image_to_audio"), sampled.terms.at("image_to_audio")) <= 1e-12);
  CHECK(test::max_abs_diff(audio.grad(), audio2.grad()) <= 1e-12);
  CHECK(test::max_abs_diff(image.grad(), image2.grad()) <= 1e-12);
}

TEST_CASE("infonce in batch matches open_clip ClipLoss with values and gradients") {
  for (const std::string dtype : {"float32", "float64"}) {
    INFO(dtype);
    test::TempDir dir;
    const io::StateDict ref = test::python_reference(dir, "ref_infonce.py", "--dtype " + dtype, "in_batch.pt").tensors;
    at::Tensor audio = leaf(ref.at("audio")), image = leaf(ref.at("image")), logit_scale = leaf(ref.at("logit_scale"));
    auto r = compare(losses::infonce_in_batch(audio, image, logit_scale.exp()), ref, "",
                     {{audio, "grad_audio"}, {image, "grad_image"}, {logit_scale, "grad_logit_scale"}});
    std::cout << "infonce_in_batch vs open_clip (" << dtype << "): relative diff of values " << r.values
              << ", gradients " << r.gradients << "\n";
    CHECK(r.values <= tolerance(dtype));
    CHECK(r.gradients <= tolerance(dtype));
  }
}

TEST_CASE("infonce totals are the average of their two terms") {
  torch::manual_seed(6);
  auto scale = torch::tensor(20.0).reshape({});
  auto sampled = losses::infonce_sampled(unit_rows(torch::randn({4, 3, 8})), unit_rows(torch::randn({4, 3, 8})), scale);
  auto in_batch = losses::infonce_in_batch(unit_rows(torch::randn({4, 8})), unit_rows(torch::randn({4, 8})), scale);
  for (const auto* loss : {&sampled, &in_batch}) {
    CHECK(loss->terms.size() == 2);
    auto average = (loss->terms.at("audio_to_image") + loss->terms.at("image_to_audio")) / 2;
    CHECK(test::max_abs_diff(loss->total, average) <= 1e-6);
    CHECK(loss->total.dim() == 0);
  }
  // A perfect match with a large scale costs nothing.
  auto same = unit_rows(torch::eye(4));
  CHECK(losses::infonce_in_batch(same, same, torch::tensor(100.0)).total.item<double>() < 1e-30 + 1e-6);
}

TEST_CASE("infonce losses refuse wrong shapes with clear errors") {
  auto scale = torch::tensor(100.0).reshape({});
  auto error = [](const std::function<void()>& f) { return test::error_of(f); };
  CHECK(error([&] { losses::infonce_sampled(torch::randn({4, 12}), torch::randn({4, 12}), scale); }) ==
        "infonce_sampled: audio embeddings must be floating point [B, 1 + K, E], got [4, 12]");
  CHECK(error([&] { losses::infonce_sampled(torch::randn({4, 12, 8}), torch::randn({4, 11, 8}), scale); }) ==
        "infonce_sampled: audio and image embeddings must have the same shape [B, 1 + K, E], got audio [4, 12, 8] and "
        "image [4, 11, 8]");
  CHECK_THAT(error([&] { losses::infonce_sampled(torch::randn({4, 1, 8}), torch::randn({4, 1, 8}), scale); }),
             Contains("at least one negative"));
  CHECK(error([&] { losses::infonce_sampled(torch::randn({4, 3, 8}), torch::randn({4, 3, 8}), torch::ones({2})); }) ==
        "infonce_sampled: scale must be one floating-point value (0-dim), got [2]");
  CHECK(error([&] { losses::infonce_in_batch(torch::randn({4, 8}), torch::randn({5, 8}), scale); }) ==
        "infonce_in_batch: audio and image embeddings must have the same shape [B, E], got audio [4, 8] and image [5, 8]");
  CHECK_THAT(error([&] { losses::infonce_in_batch(torch::randn({4, 8}), torch::randn({4, 1, 8}), scale); }),
             Contains("image embeddings must be floating point [B, E], got [4, 1, 8]"));
  CHECK_THAT(error([&] { losses::infonce_in_batch(torch::randn({4, 8}), torch::randn({4, 8}), at::Tensor()); }),
             Contains("got undefined"));

  auto a = torch::randn({4, 8}), i = torch::randn({4, 8});
  auto good = torch::randint(0, 4, {4, 3});
  CHECK(error([&] { losses::infonce_sampled_shared(a, i, torch::randint(0, 4, {3, 3}), good, scale); }) ==
        "infonce_sampled_shared: negative_images must be [B, K] = [4, K] with K >= 1, got [3, 3]");
  CHECK(error([&] { losses::infonce_sampled_shared(a, i, good, torch::randint(0, 4, {4, 3}).to(torch::kInt), scale); }) ==
        "infonce_sampled_shared: negative_audios must be int64 indices, got int");
  CHECK(error([&] { losses::infonce_sampled_shared(a, i, good, torch::full({4, 3}, 4, torch::kLong), scale); }) ==
        "infonce_sampled_shared: negative_audios must index the batch's 4 embeddings (0..3), got 4..4");
  CHECK_THAT(error([&] { losses::infonce_sampled_shared(a, i, good, torch::randint(0, 4, {4, 2}), scale); }),
             Contains("negative_images and negative_audios must have the same K, got [4, 3] and [4, 2]"));
  CHECK(error([&] { losses::infonce_sampled_shared(a, i, good, good, scale); }) == "(no error)");
}
