// Test support for the representation-analysis measures: random test matrices, and
// tests/python/ref_measures.py run on them (inputs and results exchanged as safetensors files).
#pragma once

#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <string>
#include <vector>

#include "tests/support/temp_dir.h"
#include "vgs/io/safetensors.h"

namespace vgs::test {

// ref_measures.py's results for `inputs` (its docstring lists the keys); the test fails when it does.
inline io::StateDict measures_reference(const io::StateDict& inputs) {
  TempDir dir;
  io::write_safetensors(dir.file("in.safetensors"), inputs);
  auto run = run_python("ref_measures.py", dir.file("in.safetensors") + " " + dir.file("ref.safetensors"));
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  return io::read_safetensors(dir.file("ref.safetensors")).tensors;
}

// Label k of a row as the Python side names it: "w<k>".
inline std::vector<std::string> label_names(const at::Tensor& labels) {
  std::vector<std::string> out;
  for (int64_t i = 0; i < labels.size(0); ++i) out.push_back("w" + std::to_string(labels[i].item<int64_t>()));
  return out;
}

// `sizes[k]` rows of label k, shuffled, each around a mean of its own (spread `separation`), in
// dimension `dim`: classes that overlap a little, so that predictions are neither all right nor chance.
// Sets *labels to the label of each row.
inline at::Tensor clustered(const std::vector<int64_t>& sizes, int64_t dim, double separation, at::Tensor* labels) {
  std::vector<int64_t> label_list;
  for (size_t k = 0; k < sizes.size(); ++k) label_list.insert(label_list.end(), static_cast<size_t>(sizes[k]), int64_t(k));
  const at::Tensor ordered = torch::tensor(label_list, torch::kLong);
  *labels = ordered.index_select(0, torch::randperm(ordered.size(0), torch::kLong));
  const at::Tensor means = separation * torch::randn({static_cast<int64_t>(sizes.size()), dim}, torch::kDouble);
  return torch::randn({labels->size(0), dim}, torch::kDouble) + means.index_select(0, *labels);
}

inline double max_abs_diff(const at::Tensor& a, const at::Tensor& b) {
  REQUIRE(a.sizes() == b.sizes());
  return (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
}

}  // namespace vgs::test
