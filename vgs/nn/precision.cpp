// Precision choices and the bf16 autocast guard (see precision.h, autocast.h).
#include "vgs/nn/autocast.h"

#include <ATen/autocast_mode.h>

namespace vgs::nn {

const core::Choices<Precision>& precisions() {
  static const core::Choices<Precision> choices{{Precision::fp32, "fp32"}, {Precision::bf16, "bf16"}};
  return choices;
}

AutocastGuard::AutocastGuard(c10::DeviceType device, Precision precision) : device_(device) {
  if (precision != Precision::bf16) return;
  active_ = true;
  was_enabled_ = at::autocast::is_autocast_enabled(device);
  was_dtype_ = at::autocast::get_autocast_dtype(device);
  at::autocast::set_autocast_dtype(device, at::kBFloat16);
  at::autocast::set_autocast_enabled(device, true);
  at::autocast::increment_nesting();
}

AutocastGuard::~AutocastGuard() {
  if (!active_) return;
  // Leaving the outermost region frees the casted weights autocast keeps for reuse within it.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  at::autocast::set_autocast_enabled(device_, was_enabled_);
  at::autocast::set_autocast_dtype(device_, was_dtype_);
}

}  // namespace vgs::nn
