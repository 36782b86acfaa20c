// C++ side of bench/train_step.sh (usage: bench_train_step [REPEATS] [--profile]): one training step (forward + backward) of the me-vgs md two-tower
// model with the sampled loss at the paper's configuration (see bench_train_step.py for the same in
// Python), and, for comparison, the shared-negative loss that embeds each of the 60 items once.
// Prints one JSON line with the best step of REPEATS after a warm-up; with --profile, the operators'
// self times over one sampled step instead (where the time goes).
#include <torch/csrc/autograd/profiler_kineto.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <iostream>
#include <map>
#include <unordered_map>

#include "bench/bench_util.h"
#include "vgs/losses/infonce.h"
#include "vgs/models/two_tower.h"

using namespace vgs;

namespace {

constexpr int64_t kItems = 60, kPairs = 12, kAudioDim = 768, kImageDim = 2048, kImageTokens = 64;

// The frame counts bench_train_step.py uses: 20..40, mean 30.
at::Tensor lengths_of(int64_t n) {
  auto lengths = torch::empty({n}, torch::kLong);
  for (int64_t i = 0; i < n; ++i) lengths[i] = 20 + (i * 8) % 21;
  return lengths;
}

using bench::best_seconds;

std::string timing_json(double seconds, double loss) {
  return "{\"seconds\": " + std::to_string(seconds) + ", \"ms_per_step\": " + std::to_string(seconds * 1e3) +
         ", \"items_per_second\": " + std::to_string(kItems / seconds) + ", \"loss\": " + std::to_string(loss) + "}";
}

// Runs `step` under the Kineto CPU profiler and prints the self time (duration less that of the
// operators called inside it, on the same thread) of each operator and input shapes, largest first.
template <typename F>
void print_profile(F&& step) {
  namespace profiler = torch::profiler::impl;
  const profiler::ProfilerConfig config(profiler::ProfilerState::KINETO, /*report_input_shapes=*/true);
  torch::autograd::profiler::prepareProfiler(config, {profiler::ActivityType::CPU});
  torch::autograd::profiler::enableProfiler(config, {profiler::ActivityType::CPU});
  auto start = std::chrono::steady_clock::now();
  step();
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto result = torch::autograd::profiler::disableProfiler();
  std::vector<const torch::autograd::profiler::KinetoEvent*> events;
  for (const auto& e : result->events()) events.push_back(&e);
  std::sort(events.begin(), events.end(), [](auto* a, auto* b) {
    return a->startThreadId() != b->startThreadId() ? a->startThreadId() < b->startThreadId()
                                                    : a->startNs() != b->startNs() ? a->startNs() < b->startNs()
                                                                                   : a->endNs() > b->endNs();
  });
  std::unordered_map<const void*, uint64_t> children;  // event -> time spent in its callees
  std::vector<const torch::autograd::profiler::KinetoEvent*> open;
  for (auto* e : events) {
    while (!open.empty() && (open.back()->startThreadId() != e->startThreadId() || open.back()->endNs() <= e->startNs()))
      open.pop_back();
    if (!open.empty()) children[open.back()] += e->durationNs();
    open.push_back(e);
  }
  std::map<std::string, std::pair<double, int>> self;  // name -> (ms, calls)
  double total = 0;
  for (auto* e : events) {
    double ms = (e->durationNs() - std::min(children[e], e->durationNs())) / 1e6;
    std::string key = e->name();  // with its input shapes, to tell the tower's products apart
    if (e->hasShapes())
      for (const auto& shape : e->shapes()) key += " " + c10::str(c10::IntArrayRef(shape));
    self[key].first += ms;
    self[key].second += 1;
    total += ms;
  }
  std::vector<std::pair<std::string, std::pair<double, int>>> rows(self.begin(), self.end());
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second.first > b.second.first; });
  std::cout << "one sampled step under the profiler: " << wall * 1e3 << " ms wall, " << total << " ms of operator self time\n";
  for (size_t i = 0; i < std::min<size_t>(rows.size(), 25); ++i)
    std::cout << "  " << rows[i].second.first << " ms  " << rows[i].second.second << "x  " << rows[i].first << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  const int repeats = argc > 1 ? std::atoi(argv[1]) : 3;
  const bool profile = argc > 2 && std::strcmp(argv[2], "--profile") == 0;
  torch::manual_seed(0);
  const int64_t n = kItems * kPairs;
  const at::Tensor lengths = lengths_of(n);
  const at::Tensor audio = torch::randn({n, lengths.max().item<int64_t>(), kAudioDim});  // [720, 40, 768]
  const at::Tensor image = torch::randn({n, kImageTokens, kImageDim});                 // [720, 64, 2048]

  models::TwoTower model;  // md towers, dropout 0.1, temperature fixed at 100
  model->train();
  double loss_value = 0;
  auto sampled_step = [&] {
    model->zero_grad();
    at::Tensor a = model->embed_audio(audio, lengths).view({kItems, kPairs, -1});  // [B, 1 + K, E]
    at::Tensor i = model->embed_image(image).view({kItems, kPairs, -1});
    losses::LossOutput loss = losses::infonce_sampled(a, i, model->scale());
    loss.total.backward();
    loss_value = loss.total.item<double>();
  };
  if (profile) {
    sampled_step();  // warm-up
    print_profile(sampled_step);
    return 0;
  }
  const double sampled = best_seconds(repeats, sampled_step);
  const double sampled_loss = loss_value;

  // The shared form: the 60 items embedded once, their 11 negatives gathered from the batch.
  const at::Tensor item_audio = audio.narrow(0, 0, kItems), item_image = image.narrow(0, 0, kItems);
  const at::Tensor item_lengths = lengths.narrow(0, 0, kItems);
  const at::Tensor negatives =  // item b's negatives: the next 11 items
      (torch::arange(kItems).view({kItems, 1}) + torch::arange(1, kPairs).view({1, kPairs - 1})) % kItems;
  auto shared_step = [&] {
    model->zero_grad();
    at::Tensor a = model->embed_audio(item_audio, item_lengths);  // [B, E]
    at::Tensor i = model->embed_image(item_image);
    losses::LossOutput loss = losses::infonce_sampled_shared(a, i, negatives, negatives, model->scale());
    loss.total.backward();
    loss_value = loss.total.item<double>();
  };
  const double shared = best_seconds(repeats, shared_step);

  std::cout << "{\"threads\": " << at::get_num_threads() << ", \"sampled\": " << timing_json(sampled, sampled_loss)
            << ", \"shared\": " << timing_json(shared, loss_value) << "}" << std::endl;
  return 0;
}
