// Tests of the language-links loss: value, terms and gradients against a torch transcription of me-vgs's
// CLIPTwoAudios loss (tests/python/ref_language_links.py, built on ref_me_vgs.py's verbatim CLIP loss) in
// float32 and float64, and its shape errors.
//
// Tolerance: relative_diff = max |diff| / max(1, max |expected|) (tests/models/parity.h), at most 1e-6
// in float32 and 1e-12 in float64, as the InfoNCE tests.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <iostream>

#include "tests/models/parity.h"
#include "vgs/losses/infonce.h"
#include "vgs/losses/language_links.h"

using namespace vgs;
using Catch::Contains;

namespace {
at::Tensor unit_rows(const at::Tensor& x) { return x / x.norm(2, {-1}, true); }
at::Tensor leaf(const at::Tensor& t) { return t.clone().requires_grad_(true); }
}  // namespace

TEST_CASE("language links loss matches me-vgs CLIPTwoAudios with values and gradients") {
  for (const std::string dtype : {"float32", "float64"}) {
    INFO(dtype);
    test::TempDir dir;
    const io::StateDict ref = test::python_reference(dir, "ref_language_links.py", "--dtype " + dtype, "links.pt").tensors;
    at::Tensor audio1 = leaf(ref.at("audio1")), audio2 = leaf(ref.at("audio2")), image = leaf(ref.at("image"));
    // me-vgs's fixed scale: max(exp(ln(1/0.07)), 100) = 100. Raw embeddings are normalised first, as the
    // tower does, so gradients reach the raw values through it.
    auto scale = torch::tensor(100.0, audio1.options().requires_grad(false)).reshape({});
    auto loss = losses::language_links_loss(unit_rows(audio1), unit_rows(audio2), unit_rows(image), scale);
    double values = test::relative_diff(loss.total, ref.at("loss"));
    for (const char* term : {"audio1_image", "audio2_image", "audio1_audio2"})
      values = std::max(values, test::relative_diff(loss.terms.at(term), ref.at(term)));
    loss.total.backward();
    double gradients = 0;
    for (const auto& [tensor, name] : {std::pair<at::Tensor, const char*>{audio1, "grad_audio1"},
                                       {audio2, "grad_audio2"}, {image, "grad_image"}}) {
      INFO(name);
      REQUIRE(tensor.grad().defined());
      gradients = std::max(gradients, test::relative_diff(tensor.grad(), ref.at(name)));
    }
    std::cout << "language_links_loss vs me-vgs CLIPTwoAudios (" << dtype << "): relative diff of values " << values
              << ", gradients " << gradients << " (loss " << loss.total.item<double>() << ")\n";
    const double tolerance = dtype == "float64" ? 1e-12 : 1e-6;
    CHECK(values <= tolerance);
    CHECK(gradients <= tolerance);
  }
}

TEST_CASE("language links loss is the mean of three sampled InfoNCE losses, audio2 playing the image") {
  torch::manual_seed(11);
  auto a1 = unit_rows(torch::randn({3, 4, 8}, torch::kDouble)), a2 = unit_rows(torch::randn({3, 4, 8}, torch::kDouble));
  auto image = unit_rows(torch::randn({3, 4, 8}, torch::kDouble));
  auto scale = torch::tensor(100.0, torch::kDouble).reshape({});
  auto loss = losses::language_links_loss(a1, a2, image, scale);
  CHECK(loss.terms.size() == 3);
  CHECK(test::max_abs_diff(loss.terms.at("audio1_audio2"), losses::infonce_sampled(a1, a2, scale).total) == 0);
  auto mean = (loss.terms.at("audio1_image") + loss.terms.at("audio2_image") + loss.terms.at("audio1_audio2")) / 3;
  CHECK(test::max_abs_diff(loss.total, mean) <= 1e-12);
  CHECK(loss.total.dim() == 0);
}

TEST_CASE("language links loss refuses lists of different shapes") {
  auto scale = torch::tensor(100.0).reshape({});
  auto x = torch::randn({4, 12, 8});
  CHECK(test::error_of([&] { losses::language_links_loss(x, torch::randn({4, 11, 8}), x, scale); }) ==
        "language_links_loss: audio1, audio2 and image must have the same shape [B, 1 + K, E], got [4, 12, 8], "
        "[4, 11, 8] and [4, 12, 8]");
  CHECK_THAT(test::error_of([&] { losses::language_links_loss(torch::randn({4, 1, 8}), torch::randn({4, 1, 8}),
                                                              torch::randn({4, 1, 8}), scale); }),
             Contains("at least one negative"));
}
