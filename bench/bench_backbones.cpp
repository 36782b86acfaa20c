// C++ side of bench/backbones.sh: WavLM Base+ and ResNet-50 through the vgs registry on the same
// weights, inputs and batches as bench_backbones.py; prints timings and the largest difference from
// the Python outputs as JSON.
#include <torch/torch.h>

#include <chrono>
#include <iostream>

#include "bench/bench_util.h"
#include "vgs/backbones/registry.h"
#include "vgs/io/torch_checkpoint.h"

using namespace vgs;

namespace {
using bench::best_seconds;
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: bench_backbones DIR [REPEATS]\n";
    return 2;
  }
  const std::string dir = argv[1];
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 3;
  torch::InferenceMode guard;

  auto wavlm = backbones::make_backbone({"wavlm_base_plus", dir + "/wavlm.pt"});
  io::Checkpoint wavlm_io = io::read_checkpoint(dir + "/wavlm_io.pt");
  std::vector<at::Tensor> waves;
  for (int i = 0; wavlm_io.tensors.count("wave" + std::to_string(i)); ++i) waves.push_back(wavlm_io.tensors["wave" + std::to_string(i)]);
  std::vector<std::pair<at::Tensor, at::Tensor>> batches;  // same batches of 4 as Python
  for (size_t i = 0; i < waves.size(); i += 4) {
    int64_t longest = 0;
    for (size_t j = i; j < i + 4; ++j) longest = std::max(longest, waves[j].size(0));
    auto x = torch::zeros({4, longest});
    std::vector<int64_t> lengths;
    for (size_t j = i; j < i + 4; ++j) {
      x[static_cast<int64_t>(j - i)].narrow(0, 0, waves[j].size(0)).copy_(waves[j]);
      lengths.push_back(waves[j].size(0));
    }
    batches.emplace_back(x, torch::tensor(lengths));
  }
  std::vector<at::Tensor> outputs;
  auto run_wavlm = [&] {
    outputs.clear();
    for (auto& [x, lengths] : batches) outputs.push_back(wavlm->forward(x, lengths, {12}).layers[0]);
  };
  double wavlm_seconds = best_seconds(repeats, run_wavlm);
  double audio_seconds = 0, wavlm_diff = 0;
  for (size_t i = 0; i < waves.size(); ++i) {
    audio_seconds += waves[i].size(0) / 16000.0;
    const auto& expected = wavlm_io.tensors["wavlm_out" + std::to_string(i)];
    auto got = outputs[i / 4][static_cast<int64_t>(i % 4)].narrow(0, 0, expected.size(0));
    wavlm_diff = std::max(wavlm_diff, (got - expected).abs().max().item<double>());
  }

  auto resnet = backbones::make_backbone({"resnet50", dir + "/resnet.pt", 256});
  io::Checkpoint resnet_io = io::read_checkpoint(dir + "/resnet_io.pt");
  const auto& images = resnet_io.tensors["images"];
  std::vector<at::Tensor> maps;
  auto run_resnet = [&] {
    maps.clear();
    for (int64_t i = 0; i < images.size(0); i += 8) maps.push_back(resnet->forward(images.narrow(0, i, 8), {}, {4}).layers[0]);
  };
  double resnet_seconds = best_seconds(repeats, run_resnet);
  // Python's maps are [B, 2048, 8, 8]; vgs's tokens [B, 64, 2048] run over rows, then columns.
  auto expected = resnet_io.tensors["maps"].flatten(2).transpose(1, 2);
  double resnet_diff = (torch::cat(maps) - expected).abs().max().item<double>();
  double resnet_scale = expected.abs().max().item<double>();

  std::cout << "{\"threads\": " << at::get_num_threads() << ", \"wavlm_base_plus\": {\"seconds\": " << wavlm_seconds
            << ", \"audio_seconds\": " << audio_seconds << ", \"rtf\": " << wavlm_seconds / audio_seconds
            << ", \"max_abs_diff\": " << wavlm_diff << "}, \"resnet50\": {\"seconds\": " << resnet_seconds
            << ", \"images\": " << images.size(0) << ", \"images_per_second\": " << images.size(0) / resnet_seconds
            << ", \"max_abs_diff\": " << resnet_diff << ", \"max_abs_value\": " << resnet_scale << "}}\n";
  return 0;
}
