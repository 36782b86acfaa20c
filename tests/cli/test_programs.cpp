// Tests of the programs as a user runs them: recipe errors as one line and exit code 2,
// --dump-config, --help-config, vgs-info.
#include <catch2/catch.hpp>

#include "tests/support/temp_dir.h"

using namespace vgs;
using Catch::Contains;

TEST_CASE("vgs-config prints the resolved recipe, with extends and --set") {
  test::TempDir dir;
  dir.write("base.yaml", "audio:\n  sample_rate: 8000\nrun:\n  seed: 3\n");
  std::string recipe = dir.write("r.yaml", "extends: base.yaml\nrun:\n  name: toy\n");
  auto r = test::run_command(test::program("vgs-config") + " " + recipe + " --set run.seed=5 --dump-config");
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("sample_rate: 8000") && Contains("name: toy") && Contains("seed: 5"));
}

TEST_CASE("a recipe typo is one line naming file, line and key, with exit code 2") {
  test::TempDir dir;
  std::string recipe = dir.write("r.yaml", "image:\n  resise: 224\n");
  auto r = test::run_command(test::program("vgs-config") + " " + recipe);
  CHECK(r.exit_code == 2);
  CHECK(r.output == "vgs-config: error: " + recipe + ":2: unknown key 'image.resise' (did you mean 'image.resize'?)\n");
}

TEST_CASE("help-config lists the keys with defaults and descriptions") {
  auto r = test::run_command(test::program("vgs-config") + " --help-config");
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("audio.sample_rate (int) = 16000") && Contains("data.on_bad_item (string) = error"));
}

TEST_CASE("vgs-info reports versions, BLAS, threads, CUDA and NCCL") {
  auto r = test::run_command(test::program("vgs-info") + " --no-benchmark");
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("LibTorch 2.") && Contains("BLAS: ") && Contains("threads: intra-op") &&
                           Contains("CUDA devices: ") && Contains("NCCL: "));
  auto measured = test::run_command(test::program("vgs-info"));
  CHECK_THAT(measured.output, Contains("fp32 matmul 1024x1024: "));
}

TEST_CASE("a bad --log-level is refused with the accepted levels") {
  auto r = test::run_command(test::program("vgs-info") + " --no-benchmark --log-level loud");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.output, Contains("--log-level: expected one of trace, debug, info, warn, error, off"));
}
