// Tests of the Kaldi log-mel filterbank: parity with torchaudio.compliance.kaldi.fbank
// (tests/python/ref_fbank.py), batches, normalisation, frame counts and argument errors.
#include <catch2/catch.hpp>
#include <torch/csrc/jit/serialization/pickle.h>
#include <torch/torch.h>

#include <fstream>
#include <iostream>
#include <iterator>

#include "tests/support/temp_dir.h"
#include "vgs/backbones/fbank.h"
#include "vgs/core/error.h"

using namespace vgs;
using Catch::Contains;

namespace {
std::map<std::string, torch::Tensor> load_cases(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::map<std::string, torch::Tensor> tensors;
  for (const auto& item : torch::pickle_load(bytes).toGenericDict())
    tensors.emplace(item.key().toStringRef(), item.value().toTensor());
  return tensors;
}

// torchaudio's outputs, computed once for all the test cases of this file.
const std::map<std::string, torch::Tensor>& reference() {
  static const auto cases = [] {
    test::TempDir dir;
    auto run = test::run_python("ref_fbank.py", dir.path());
    INFO(run.output);
    REQUIRE(run.exit_code == 0);
    return load_cases(dir.file("cases.pt"));
  }();
  return cases;
}

double max_diff(const torch::Tensor& a, const torch::Tensor& b) {
  REQUIRE(a.sizes() == b.sizes());
  return (a - b).abs().max().item<double>();
}

using vgs::test::error_of;
}  // namespace

// One test case (one Python run): each SECTION re-enters it with the reference cached.
TEST_CASE("fbank matches torchaudio kaldi fbank on noise and a sine") {
  const auto& ref = reference();
  SECTION("defaults with 80 bins at float and int16 scale and in float64") {
    backbones::Fbank fbank;
    for (std::string name : {"noise", "noise_int16", "sine", "sine_int16", "one_window", "noise_double"}) {
      auto ours = fbank(ref.at(name));
      const auto& expected = ref.at(name + "_fbank");
      CHECK(ours.scalar_type() == expected.scalar_type());
      double d = max_diff(ours, expected);
      std::cout << "fbank " << name << " " << expected.sizes() << ": max |diff| " << d << "\n";
      INFO(name << ": max |diff| " << d);
      CHECK(d <= 1e-3);
    }
  }
  SECTION("snip_edges false") {
    backbones::FbankOptions options;
    options.snip_edges = false;
    backbones::Fbank fbank(options);
    auto ours = fbank(ref.at("noise"));
    double d = max_diff(ours, ref.at("noise_nosnip_fbank"));
    std::cout << "fbank noise snip_edges=false: max |diff| " << d << "\n";
    CHECK(d <= 1e-3);
    CHECK(fbank.num_frames(ref.at("noise").size(0)) == ours.size(0));
  }
  SECTION("normalisation is torchaudio's subtract_mean divided by the deviation") {
    backbones::FbankOptions options;
    options.normalize = true;
    auto ours = backbones::fbank(ref.at("noise"), options);
    CHECK(ours.mean(0).abs().max().item<double>() < 1e-4);
    CHECK((ours.pow(2).mean(0) - 1).abs().max().item<double>() < 1e-4);
    auto centred = ref.at("noise_cmn_fbank");
    auto expected = centred / centred.pow(2).mean(0, true).sqrt();
    CHECK(max_diff(ours, expected) <= 1e-3);
  }
}

TEST_CASE("fbank of a batch equals one utterance at a time") {
  torch::manual_seed(0);
  auto first = torch::randn({48123}) * 0.1, second = torch::randn({27200}) * 0.1;
  auto batch = torch::zeros({2, first.size(0)});
  batch[0].copy_(first);
  batch[1].slice(0, 0, second.size(0)).copy_(second);
  for (bool normalize : {false, true}) {
    backbones::FbankOptions options;
    options.normalize = normalize;
    backbones::Fbank fbank(options);
    auto out = fbank(batch, torch::tensor({first.size(0), second.size(0)}));
    REQUIRE(out.features.sizes() == torch::IntArrayRef({2, 299, 80}));
    CHECK(out.frames[0].item<int64_t>() == 299);
    CHECK(out.frames[1].item<int64_t>() == 168);
    CHECK(torch::equal(out.features[0], fbank(first)));
    CHECK(torch::equal(out.features[1].slice(0, 0, 168), fbank(second)));
    CHECK(out.features[1].slice(0, 168).abs().max().item<float>() == 0.0f);
  }
}

TEST_CASE("fbank geometry at 16 kHz") {
  backbones::Fbank fbank;
  CHECK(fbank.window_size() == 400);
  CHECK(fbank.window_shift() == 160);
  CHECK(fbank.fft_size() == 512);
  CHECK(fbank.mel_banks().sizes() == torch::IntArrayRef({80, 257}));
  CHECK(fbank.num_frames(16000) == 98);
  CHECK(fbank.num_frames(399) == 0);
  CHECK(fbank(torch::zeros({16000})).sizes() == torch::IntArrayRef({98, 80}));
  // Silence is floored at log(float epsilon), as in Kaldi.
  CHECK(fbank(torch::zeros({400})).max().item<float>() == Approx(std::log(1.1920928955078125e-07)));
}

TEST_CASE("fbank rejects short or badly shaped input") {
  backbones::Fbank fbank;
  CHECK_THAT(error_of([&] { fbank(torch::zeros({399})); }), Contains("399 samples, fewer than one"));
  CHECK_THAT(error_of([&] { fbank(torch::zeros({2, 1000})); }), Contains("waveform [N]"));
  CHECK_THAT(error_of([&] { fbank(torch::zeros({1000}, torch::kLong)); }), Contains("float32 or float64"));
  CHECK_THAT(error_of([&] { fbank(torch::zeros({2, 1000}), torch::tensor({1000})); }), Contains("lengths must be [B] = [2]"));
  CHECK_THAT(error_of([&] { fbank(torch::zeros({2, 1000}), torch::tensor({1000, 1001})); }), Contains("length 1001 of utterance 1"));
  backbones::FbankOptions options;
  options.num_mel_bins = 2;
  CHECK_THAT(error_of([&] { backbones::Fbank{options}; }), Contains("num_mel_bins"));
  options = {};
  options.high_freq = 9000;
  CHECK_THAT(error_of([&] { backbones::Fbank{options}; }), Contains("Nyquist"));
}
