// C++ side of bench/groupvit.sh: the groupvit backbone (layer 4, projected groups) through the vgs
// registry on the weights, images and batches of bench_groupvit.py; prints the timing and the largest
// difference from transformers' embeddings as JSON.
#include <torch/torch.h>

#include <iostream>

#include "bench/bench_util.h"
#include "vgs/backbones/registry.h"
#include "vgs/io/torch_checkpoint.h"

using namespace vgs;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: bench_groupvit DIR [REPEATS]\n";
    return 2;
  }
  const std::string dir = argv[1];
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 3;
  torch::InferenceMode guard;
  auto groupvit = backbones::make_backbone({"groupvit", dir + "/groupvit.safetensors"});
  io::Checkpoint io_tensors = io::read_checkpoint(dir + "/groupvit_io.pt");
  const auto& images = io_tensors.tensors["images"];
  std::vector<at::Tensor> projected;
  auto run = [&] {
    projected.clear();
    for (int64_t i = 0; i < images.size(0); i += 8)
      projected.push_back(groupvit->forward(images.narrow(0, i, 8), {}, {4}).layers[0]);
  };
  const double seconds = bench::best_seconds(repeats, run);
  const auto& expected = io_tensors.tensors["projected"];
  std::cout << "{\"threads\": " << at::get_num_threads() << ", \"seconds\": " << seconds
            << ", \"images\": " << images.size(0) << ", \"images_per_second\": " << images.size(0) / seconds
            << ", \"max_abs_diff\": " << (torch::cat(projected) - expected).abs().max().item<double>()
            << ", \"max_abs_value\": " << expected.abs().max().item<double>() << "}\n";
  return 0;
}
