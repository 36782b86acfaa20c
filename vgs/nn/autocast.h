// bfloat16 autocast for a scope (see precision.h for when to use it).
#pragma once

#include <c10/core/DeviceType.h>
#include <c10/core/ScalarType.h>

#include "vgs/nn/precision.h"

namespace vgs::nn {

// Autocast to bfloat16 on `device` for this object's lifetime when `precision` is bf16 (nothing for
// fp32); the previous autocast state comes back afterwards.
class AutocastGuard {
 public:
  AutocastGuard(c10::DeviceType device, Precision precision);
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  c10::DeviceType device_;
  bool active_ = false, was_enabled_ = false;
  c10::ScalarType was_dtype_ = c10::ScalarType::Undefined;
};

}  // namespace vgs::nn
