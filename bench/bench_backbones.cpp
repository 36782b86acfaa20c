// C++ side of bench/backbones.sh: WavLM Base+ and ResNet-50 through the vgs registry on the same
// weights, inputs and batches as bench_backbones.py; prints timings and the largest difference from
// the Python outputs as JSON. With a third argument "profile" it instead times WavLM Base+'s stages
// (the speech.* profiler scopes of speech_transformer.cpp), run item by item (vgs's CPU path) and as
// one masked batch (the path of other devices, and vgs's CPU path before it ran item by item).
// A fourth argument FILE.pt keeps the CPU path's outputs there, or, when FILE.pt exists, reports their
// largest difference from it (to check that a speed change keeps the outputs of the code before it).
#include <ATen/record_function.h>
#include <torch/torch.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>

#include "bench/bench_util.h"
#include "vgs/backbones/registry.h"
#include "vgs/backbones/speech_transformer.h"
#include "vgs/backbones/speech_weights.h"
#include "vgs/io/torch_checkpoint.h"

using namespace vgs;

namespace {
using bench::best_seconds;
using Batch = std::pair<at::Tensor, at::Tensor>;  // padded waves [B, T] and their lengths [B]

// The waves "wave0", "wave1"... of the Python side's inputs, in order.
std::vector<at::Tensor> numbered_waves(io::Checkpoint& inputs) {
  std::vector<at::Tensor> waves;
  for (int i = 0; inputs.tensors.count("wave" + std::to_string(i)); ++i) waves.push_back(inputs.tensors["wave" + std::to_string(i)]);
  return waves;
}

// The same batches of 4 as Python: zero-padded to the longest wave of the batch.
std::vector<Batch> batches_of_four(const std::vector<at::Tensor>& waves) {
  std::vector<Batch> batches;
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
  return batches;
}

struct WavlmResult {
  double seconds = 0, audio_seconds = 0, max_abs_diff = 0;
};

WavlmResult bench_wavlm(const std::string& dir, int repeats) {
  auto wavlm = backbones::make_backbone({"wavlm_base_plus", dir + "/wavlm.pt"});
  io::Checkpoint wavlm_io = io::read_checkpoint(dir + "/wavlm_io.pt");
  const std::vector<at::Tensor> waves = numbered_waves(wavlm_io);
  const std::vector<Batch> batches = batches_of_four(waves);
  std::vector<at::Tensor> outputs;
  auto run_wavlm = [&] {
    outputs.clear();
    for (auto& [x, lengths] : batches) outputs.push_back(wavlm->forward(x, lengths, {12}).layers[0]);
  };
  WavlmResult result;
  result.seconds = best_seconds(repeats, run_wavlm);
  for (size_t i = 0; i < waves.size(); ++i) {
    result.audio_seconds += waves[i].size(0) / 16000.0;
    const auto& expected = wavlm_io.tensors["wavlm_out" + std::to_string(i)];
    auto got = outputs[i / 4][static_cast<int64_t>(i % 4)].narrow(0, 0, expected.size(0));
    result.max_abs_diff = std::max(result.max_abs_diff, (got - expected).abs().max().item<double>());
  }
  return result;
}

struct ResnetResult {
  double seconds = 0;
  int64_t images = 0;
  double max_abs_diff = 0, max_abs_value = 0;
};

ResnetResult bench_resnet(const std::string& dir, int repeats) {
  auto resnet = backbones::make_backbone({"resnet50", dir + "/resnet.pt", 256});
  io::Checkpoint resnet_io = io::read_checkpoint(dir + "/resnet_io.pt");
  const auto& images = resnet_io.tensors["images"];
  std::vector<at::Tensor> maps;
  auto run_resnet = [&] {
    maps.clear();
    for (int64_t i = 0; i < images.size(0); i += 8) maps.push_back(resnet->forward(images.narrow(0, i, 8), {}, {4}).layers[0]);
  };
  ResnetResult result;
  result.seconds = best_seconds(repeats, run_resnet);
  result.images = images.size(0);
  // Python's maps are [B, 2048, 8, 8]; vgs's tokens [B, 64, 2048] run over rows, then columns.
  auto expected = resnet_io.tensors["maps"].flatten(2).transpose(1, 2);
  result.max_abs_diff = (torch::cat(maps) - expected).abs().max().item<double>();
  result.max_abs_value = expected.abs().max().item<double>();
  return result;
}

// Seconds spent in each speech.* scope, summed over calls (a RecordFunction callback).
struct StageClock {
  using Clock = std::chrono::steady_clock;
  struct Start : at::ObserverContext {
    Clock::time_point at = Clock::now();
  };
  static std::map<std::string, double>& seconds() {
    static std::map<std::string, double> totals;
    return totals;
  }
  static std::unique_ptr<at::ObserverContext> enter(const at::RecordFunction& fn) {
    if (std::strncmp(fn.name(), "speech.", 7) != 0) return nullptr;
    return std::make_unique<Start>();
  }
  static void leave(const at::RecordFunction& fn, at::ObserverContext* context) {
    if (!context) return;
    seconds()[fn.name()] += std::chrono::duration<double>(Clock::now() - static_cast<Start*>(context)->at).count();
  }
};

// The largest difference of `outputs` from those kept in `path`, or -1 after keeping them there.
double compare_or_keep(const std::vector<at::Tensor>& outputs, const std::string& path) {
  if (!std::filesystem::exists(path)) {
    torch::save(outputs, path);
    return -1;
  }
  std::vector<at::Tensor> kept;
  torch::load(kept, path);
  if (kept.size() != outputs.size()) throw std::runtime_error(path + ": expected " + std::to_string(outputs.size()) + " batches");
  double diff = 0;
  for (size_t i = 0; i < kept.size(); ++i) diff = std::max(diff, (outputs[i] - kept[i]).abs().max().item<double>());
  return diff;
}

// One pass over the bench's batches per path, warm-up first; JSON with the total and each stage.
void profile_wavlm(const std::string& dir, const std::string& reference) {
  backbones::SpeechTransformer model(backbones::SpeechTransformerConfig::wavlm_base_plus());
  backbones::load_speech_weights(*model, io::read_checkpoint(dir + "/wavlm.pt"), dir + "/wavlm.pt");
  io::Checkpoint wavlm_io = io::read_checkpoint(dir + "/wavlm_io.pt");
  const std::vector<Batch> batches = batches_of_four(numbered_waves(wavlm_io));
  auto handle = at::addGlobalCallback(
      at::RecordFunctionCallback(&StageClock::enter, &StageClock::leave).scopes({at::RecordScope::USER_SCOPE}));
  std::cout << "{";
  std::vector<at::Tensor> before, after;  // the batched and the CPU path's outputs
  double max_path_diff = 0;
  for (bool batched : {true, false}) {
    model->set_batched_on_cpu(batched);
    for (size_t i = 0; i < batches.size(); ++i) {  // warm-up, and the outputs of both paths
      auto out = model->forward(batches[i].first, batches[i].second, {12});
      at::Tensor valid = out.layers[0].masked_fill(~(at::arange(out.layers[0].size(1)).unsqueeze(0) <
                                                     out.frame_lengths.unsqueeze(1)).unsqueeze(-1), 0.0);
      if (batched) before.push_back(valid);
      else max_path_diff = std::max(max_path_diff, (valid - before[i]).abs().max().item<double>());
      if (!batched) after.push_back(valid);
    }
    StageClock::seconds().clear();
    auto start = std::chrono::steady_clock::now();
    for (auto& [x, lengths] : batches) model->forward(x, lengths, {12});
    const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << (batched ? "" : ", ") << "\"" << (batched ? "batched" : "item_by_item") << "\": {\"total\": " << total;
    double staged = 0;
    for (const auto& [name, seconds] : StageClock::seconds()) {
      std::cout << ", \"" << name << "\": " << seconds;
      staged += seconds;
    }
    std::cout << ", \"other\": " << total - staged << "}";
  }
  std::cout << ", \"max_abs_diff_between_paths\": " << max_path_diff;
  if (!reference.empty()) std::cout << ", \"max_abs_diff_vs_reference\": " << compare_or_keep(after, reference);
  std::cout << "}\n";
  at::removeCallback(handle);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: bench_backbones DIR [REPEATS]\n";
    return 2;
  }
  const std::string dir = argv[1];
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 3;
  torch::InferenceMode guard;
  if (argc > 3 && std::string(argv[3]) == "profile") {
    profile_wavlm(dir, argc > 4 ? argv[4] : "");
    return 0;
  }
  const WavlmResult wavlm = bench_wavlm(dir, repeats);
  const ResnetResult resnet = bench_resnet(dir, repeats);

  std::cout << "{\"threads\": " << at::get_num_threads() << ", \"wavlm_base_plus\": {\"seconds\": " << wavlm.seconds
            << ", \"audio_seconds\": " << wavlm.audio_seconds << ", \"rtf\": " << wavlm.seconds / wavlm.audio_seconds
            << ", \"max_abs_diff\": " << wavlm.max_abs_diff << "}, \"resnet50\": {\"seconds\": " << resnet.seconds
            << ", \"images\": " << resnet.images << ", \"images_per_second\": " << resnet.images / resnet.seconds
            << ", \"max_abs_diff\": " << resnet.max_abs_diff << ", \"max_abs_value\": " << resnet.max_abs_value << "}}\n";
  return 0;
}
