// Numeric precision of the towers' forward pass: exact fp32 (the default, what every equality test
// assumes) or bfloat16 autocast, as torch.autocast does it (matmuls in bf16; softmax, losses and the
// optimizer in fp32). On GPUs bf16 roughly halves the towers' time and memory; on CPUs it helps
// only where the hardware has bf16 instructions. No torch here: recipes name it (autocast.h acts).
#pragma once

#include "vgs/core/choices.h"

namespace vgs::nn {

enum class Precision { fp32, bf16 };
const core::Choices<Precision>& precisions();  // fp32, bf16

}  // namespace vgs::nn
