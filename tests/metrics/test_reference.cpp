// Cross-checks of the geometry and translation metrics against numpy and sklearn
// (tests/python/ref_metrics.py) on a random 40 x 5 matrix with 4 balanced labels, and of me-vgs's
// geometry figures against a numpy transcription of its formulas (tests/python/ref_me_vgs_geometry.py),
// exchanged as safetensors files. Everything is float64: agreement to 1e-10.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <string>
#include <vector>

#include "tests/support/temp_dir.h"
#include "vgs/io/safetensors.h"
#include "vgs/metrics/geometry.h"
#include "vgs/metrics/translation.h"

using namespace vgs;

namespace {

constexpr int64_t kRows = 40, kTestRows = 24, kDim = 5, kLabels = 4, kComponents = 3;
constexpr double kTolerance = 1e-10;

// Label k of a row, as the Python side names it.
std::vector<std::string> names(const at::Tensor& labels) {
  std::vector<std::string> out;
  for (int64_t i = 0; i < labels.size(0); ++i) out.push_back("w" + std::to_string(labels[i].item<int64_t>()));
  return out;
}

// Rows of label i % kLabels around a mean of their own, so the classes are told apart.
at::Tensor clustered_rows(int64_t n, const at::Tensor& means, const at::Tensor& labels) {
  return torch::randn({n, kDim}, torch::kDouble) + means.index_select(0, labels);
}

double max_abs_diff(const at::Tensor& a, const at::Tensor& b) {
  REQUIRE(a.sizes() == b.sizes());
  return (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
}

}  // namespace

TEST_CASE("geometry and nearest centroid agree with numpy and sklearn on random embeddings") {
  torch::manual_seed(17);
  const at::Tensor means = 2 * torch::randn({kLabels, kDim}, torch::kDouble);
  const at::Tensor labels = torch::arange(kRows) % kLabels;
  const at::Tensor test_labels = torch::arange(kTestRows) % kLabels;
  const at::Tensor x = clustered_rows(kRows, means, labels) + 0.5;  // off-centre: pca must centre
  const at::Tensor test = clustered_rows(kTestRows, means, test_labels);

  test::TempDir dir;
  io::write_safetensors(dir.file("in.safetensors"), {{"x", x}, {"labels", labels}, {"test", test}, {"test_labels", test_labels}});
  auto run = test::run_python("ref_metrics.py", dir.file("in.safetensors") + " " + dir.file("ref.safetensors") +
                                                    " --k " + std::to_string(kComponents));
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  const io::StateDict ref = io::read_safetensors(dir.file("ref.safetensors")).tensors;

  // PCA: the ratios, and the projections up to each component's sign (sklearn's flip convention
  // has changed between versions).
  const metrics::Projection p = metrics::pca(x, kComponents);
  CHECK(max_abs_diff(torch::tensor(p.explained_variance_ratio, torch::kDouble), ref.at("pca_ratio")) < kTolerance);
  CHECK(max_abs_diff(p.points.abs(), ref.at("pca_points").abs()) < kTolerance);

  CHECK(metrics::total_variance(x) == Approx(ref.at("total_variance").item<double>()).epsilon(kTolerance));
  CHECK(metrics::within_class_variance(x, names(labels)) ==
        Approx(ref.at("within_class_variance").item<double>()).epsilon(kTolerance));
  CHECK(metrics::modality_gap(x, test) == Approx(ref.at("modality_gap").item<double>()).epsilon(kTolerance));

  const metrics::CentroidResult r = metrics::nearest_centroid(x, names(labels), test, names(test_labels));
  CHECK(r.predicted == names(ref.at("predicted")));
  CHECK(r.items == kTestRows);
  CHECK(r.correct > kTestRows / 2);  // the clusters are apart: well above chance (1/4)
}

TEST_CASE("average similarity and per word distance and spread agree with me-vgs's formulas in numpy") {
  torch::manual_seed(23);
  constexpr int64_t kWords = 5, kAudio = 37, kImages = 29, kEmbed = 8;
  // Unbalanced, not unit length, off-centre: nothing that a formula could get away with.
  const at::Tensor audio_labels = torch::randint(kWords, {kAudio}, torch::kLong);
  const at::Tensor image_labels = torch::randint(kWords, {kImages}, torch::kLong);
  audio_labels.narrow(0, 0, kWords).copy_(torch::arange(kWords));  // every word in both modalities
  image_labels.narrow(0, 0, kWords).copy_(torch::arange(kWords));
  const at::Tensor audio = 3 * torch::randn({kAudio, kEmbed}, torch::kDouble) + 1;
  const at::Tensor images = 0.5 * torch::randn({kImages, kEmbed}, torch::kDouble) - 0.2;

  test::TempDir dir;
  io::write_safetensors(dir.file("in.safetensors"),
                        {{"audio", audio}, {"image", images}, {"audio_labels", audio_labels}, {"image_labels", image_labels}});
  auto run = test::run_python("ref_me_vgs_geometry.py", dir.file("in.safetensors") + " " + dir.file("ref.safetensors"));
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  const io::StateDict ref = io::read_safetensors(dir.file("ref.safetensors")).tensors;

  for (const auto& [name, x] : {std::pair{std::string("audio"), audio}, std::pair{std::string("image"), images}}) {
    INFO(name);
    const metrics::SimilarityStats stats = metrics::average_similarity(x);
    CHECK(stats.mean == Approx(ref.at(name + "_sim_mean").item<double>()).epsilon(kTolerance));
    CHECK(stats.std == Approx(ref.at(name + "_sim_std").item<double>()).epsilon(kTolerance));
  }
  const auto words = metrics::per_word_geometry(audio, names(audio_labels), images, names(image_labels));
  REQUIRE(words.size() == kWords);
  for (int64_t w = 0; w < kWords; ++w) {
    INFO("word " << w);
    const metrics::WordGeometry& g = words.at("w" + std::to_string(w));
    CHECK(g.centroid_distance == Approx(ref.at("distance")[w].item<double>()).epsilon(kTolerance));
    CHECK(g.audio_spread == Approx(ref.at("spread_audio")[w].item<double>()).epsilon(kTolerance));
    CHECK(g.image_spread == Approx(ref.at("spread_image")[w].item<double>()).epsilon(kTolerance));
    CHECK(g.audio_items == (audio_labels == w).sum().item<int64_t>());
  }
}
