// Helpers shared by the model and loss tests (tests/models, tests/losses): running a Python
// reference into a TempDir, comparing tensors, and catching vgs::Error messages.
#pragma once

#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <functional>
#include <string>

#include "tests/support/temp_dir.h"
#include "vgs/core/error.h"
#include "vgs/io/torch_checkpoint.h"

namespace vgs::test {

// Runs tests/python/<script> OUT_DIR <arguments> and reads back OUT_DIR/<file>.
inline io::Checkpoint python_reference(const TempDir& dir, const std::string& script, const std::string& arguments,
                                       const std::string& file) {
  auto run = run_python(script, dir.path() + " " + arguments);
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  return io::read_checkpoint(dir.file(file));
}

// max |a - b| (in double), after checking the shapes agree.
inline double max_abs_diff(const at::Tensor& a, const at::Tensor& b) {
  REQUIRE(a.defined());
  REQUIRE(b.defined());
  REQUIRE(a.sizes() == b.sizes());
  if (a.numel() == 0) return 0;
  return (a.detach().to(torch::kDouble) - b.detach().to(torch::kDouble)).abs().max().item<double>();
}

// max |a - b| / max(1, max |expected|): absolute for values up to 1, relative beyond (losses of 40 and
// gradients of 10 carry float32 rounding in proportion to their size).
inline double relative_diff(const at::Tensor& actual, const at::Tensor& expected) {
  double scale = expected.numel() ? expected.detach().abs().max().item<double>() : 0.0;
  return max_abs_diff(actual, expected) / std::max(1.0, scale);
}

// The message of the vgs::Error that f throws, or "(no error)".
using vgs::test::error_of;

}  // namespace vgs::test
