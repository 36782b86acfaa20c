// What a loss returns: its named terms and their total (open_clip style), so training can log each
// term and back-propagate the total.
#pragma once

#include <ATen/core/Tensor.h>

#include <map>
#include <string>

namespace vgs::losses {

struct LossOutput {
  at::Tensor total;                          // 0-dim, the value to back-propagate
  std::map<std::string, at::Tensor> terms;   // 0-dim each, attached to the graph (call .item() to log)
};

}  // namespace vgs::losses
