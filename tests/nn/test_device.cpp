// Device settings: the syntax every program accepts, and one clear error wherever CUDA is asked for
// on a machine without it (vgs-train, vgs-eval, vgs-extract say the same thing).
#include <catch2/catch.hpp>
#include <torch/cuda.h>

#include <filesystem>

#include "tests/support/temp_dir.h"
#include "vgs/nn/device.h"

using namespace vgs;
using Catch::Contains;

TEST_CASE("device settings are auto cpu cuda or cuda:N") {
  for (const char* good : {"auto", "cpu", "cuda", "cuda:0", "cuda:12"}) CHECK(nn::is_device_spec(good));
  for (const char* bad : {"", "gpu", "CUDA", "cuda:", "cuda:-1", "cuda:x", "cuda0", "cpu:0", "cuda:123456"})
    CHECK_FALSE(nn::is_device_spec(bad));
  CHECK(nn::resolve_device("cpu", "train.device") == c10::Device(c10::kCPU));
  CHECK(test::error_of([] { nn::resolve_device("gpu", "eval.device"); }) ==
        "eval.device: expected auto, cpu, cuda or cuda:N, got 'gpu'");
}

TEST_CASE("asking for CUDA resolves to a GPU where there is one and is one clear error where there is none") {
  if (torch::cuda::is_available()) {
    CHECK(nn::resolve_device("auto", "train.device").is_cuda());
    CHECK(nn::resolve_device("cuda:0", "train.device") == c10::Device(c10::kCUDA, 0));
    CHECK_THAT(test::error_of([] { nn::resolve_device("cuda:99", "train.device"); }), Contains("cuda:0 to cuda:"));
  } else {
    CHECK(nn::resolve_device("auto", "train.device") == c10::Device(c10::kCPU));
    for (const char* spec : {"cuda", "cuda:1"})
      CHECK(test::error_of([&] { nn::resolve_device(spec, "train.device"); }) ==
            std::string("train.device: ") + spec +
                " asked for, but LibTorch sees no CUDA device here (no GPU, or a CPU-only build); use cpu or auto");
  }
}

TEST_CASE("every program refuses a malformed device setting naming the key and where it was set") {
  const std::string expected = ": expected auto, cpu, cuda or cuda:N, got 'gpu'\n";
  test::TempDir dir;
  const std::string recipe = dir.write("r.yaml", "run: {dir: " + dir.file("run") + "}\ntrain:\n  device: gpu\n");
  auto train = test::run_command(test::program("vgs-train") + " " + recipe + " 2>&1");
  CHECK(train.output == "vgs-train: error: " + recipe + ":3: train.device" + expected);
  auto eval = test::run_command(test::program("vgs-eval") + " --set eval.device=gpu --runs " + dir.file("run") + " 2>&1");
  CHECK(eval.output == "vgs-eval: error: --set: eval.device" + expected);
  auto extract = test::run_command(test::program("vgs-extract") +
                                   " --backbone fbank --manifest m.jsonl --set extract.device=gpu 2>&1");
  CHECK(extract.output == "vgs-extract: error: --set: extract.device" + expected);
}

TEST_CASE("vgs-train asking for a CUDA device that is not there stops before touching data") {
  // No GPU: plain cuda is missing; with GPUs: an index past the last one.
  const std::string spec = torch::cuda::is_available() ? "cuda:99" : "cuda";
  test::TempDir dir;
  const std::string recipe = dir.write("r.yaml", "run: {dir: " + dir.file("run") + "}\ntrain: {device: '" + spec + "'}\n");
  auto r = test::run_command(test::program("vgs-train") + " " + recipe + " 2>&1");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.output, Catch::StartsWith("vgs-train: error: train.device: " + spec + " asked for, but "));
  CHECK_FALSE(std::filesystem::exists(dir.file("run") + "/config.yaml"));
}
