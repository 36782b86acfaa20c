// The trainer trains any Task: a second model family (here a least-squares line fit, with no data
// files and no two-tower code) plugs in without touching the trainer, gets checkpoints, resume,
// metrics and hooks for free.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <filesystem>

#include "tests/support/temp_dir.h"
#include "vgs/io/metrics_log.h"
#include "vgs/io/safetensors.h"
#include "vgs/train/hooks.h"
#include "vgs/train/trainer.h"

using namespace vgs;

namespace {

// y = 3x - 1 with a little noise, fitted by one linear layer; batches are a pure function of
// (epoch, step) as the Task contract asks.
class LineFitTask : public train::Task {
 public:
  void load_data() override {
    auto generator = at::make_generator<at::CPUGeneratorImpl>(7);
    x_ = torch::randn({64, 1}, generator);
    y_ = 3 * x_ - 1 + 0.01 * torch::randn({64, 1}, generator);
  }
  void build_model(const c10::Device& device) override {
    linear_ = torch::nn::Linear(1, 1);
    linear_->to(device);
  }
  std::string describe() const override { return "line fit"; }
  torch::nn::Module& model() override { return *linear_; }
  int64_t steps_per_epoch() const override { return 4; }
  train::StepLoss step_loss(int64_t epoch, int64_t step) override {
    const int64_t begin = ((epoch * 4 + step) % 4) * 16;
    at::Tensor x = x_.narrow(0, begin, 16), y = y_.narrow(0, begin, 16);
    train::StepLoss out;
    out.loss.total = torch::mse_loss(linear_->forward(x), y);
    out.items = 16;
    return out;
  }
  train::Metrics validate() override {
    torch::NoGradGuard no_grad;
    return {{"valid/loss", torch::mse_loss(linear_->forward(x_), y_).item<double>()}};
  }
  bool has_test() const override { return true; }
  train::Metrics test() override {
    return {{"test/slope", linear_->weight.item<double>()}, {"test/intercept", linear_->bias.item<double>()}};
  }

 private:
  at::Tensor x_, y_;
  torch::nn::Linear linear_{nullptr};
};

// Counts what the trainer tells its hooks.
struct CountingHook : train::TrainerHook {
  int starts = 0, epochs = 0, steps = 0, losses = 0, finishes = 0;
  void on_start(train::Trainer&) override { ++starts; }
  void on_loss(train::Trainer&, losses::LossOutput&) override { ++losses; }
  void after_step(train::Trainer&, const train::StepReport&) override { ++steps; }
  void after_epoch(train::Trainer&, const train::EpochReport&) override { ++epochs; }
  void on_finish(train::Trainer&, const train::TrainResult&) override { ++finishes; }
};

train::TrainerOptions line_fit_options(const std::string& run_dir, int64_t epochs) {
  train::TrainerOptions o;
  o.run_dir = run_dir;
  o.epochs = epochs;
  o.warmup_epochs = 1;
  o.schedule.peak_lr = 0.1;
  o.schedule.min_lr = 0.01;
  o.log_every = 2;
  o.device = "cpu";
  return o;
}

}  // namespace

TEST_CASE("a second model family is a new task: the trainer fits it with checkpoints logs and hooks") {
  test::TempDir dir;
  const std::string run = dir.file("line");
  train::Trainer trainer(line_fit_options(run, 30), std::make_unique<LineFitTask>(), "run: {name: line}\n");
  auto counting = std::make_unique<CountingHook>();
  CountingHook* hook = counting.get();
  trainer.add_hook(std::move(counting));
  train::TrainResult result = trainer.run(false);

  CHECK(result.finished);
  CHECK(result.steps == 30 * 4);
  CHECK(result.test.at("test/slope") == Approx(3).margin(0.05));
  CHECK(result.test.at("test/intercept") == Approx(-1).margin(0.05));
  CHECK(hook->starts == 1);
  CHECK(hook->steps == 120);
  CHECK(hook->losses == 120);
  CHECK(hook->epochs == 30);
  CHECK(hook->finishes == 1);
  CHECK(std::filesystem::exists(run + "/checkpoints/best/model.safetensors"));
  CHECK(std::filesystem::exists(run + "/results.json"));
  int train_lines = 0;
  for (const auto& record : io::read_metrics_log(run + "/metrics.jsonl")) train_lines += record.kind == "train";
  CHECK(train_lines == 60);  // every train.log_every = 2 steps
}

TEST_CASE("a new task resumes from its checkpoint to the weights of the uninterrupted run") {
  test::TempDir dir;
  train::Trainer whole(line_fit_options(dir.file("whole"), 6), std::make_unique<LineFitTask>(), "");
  whole.run(false);
  train::TrainerOptions stopping = line_fit_options(dir.file("split"), 6);
  stopping.debug_term_at_step = 10;  // mid-epoch: SIGTERM, checkpoint, stop
  train::Trainer first(stopping, std::make_unique<LineFitTask>(), "");
  CHECK_FALSE(first.run(false).finished);
  train::stop_requested().store(false);  // this process plays the next job, which starts with no signal
  train::Trainer rest(line_fit_options(dir.file("split"), 6), std::make_unique<LineFitTask>(), "");
  CHECK(rest.run(true).finished);
  auto a = io::read_safetensors(dir.file("whole") + "/checkpoints/last/model.safetensors").tensors;
  auto b = io::read_safetensors(dir.file("split") + "/checkpoints/last/model.safetensors").tensors;
  REQUIRE(a.size() == 2);
  for (const auto& [name, tensor] : a) CHECK(torch::equal(tensor, b.at(name)));
}
