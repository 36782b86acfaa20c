// Where a recipe's device setting (train.device, eval.device, extract.device) says modules run:
// "auto" (the first CUDA device when there is one, else the CPU), "cpu", "cuda" or "cuda:N". One
// function for every program, so asking for a GPU that is not there is the same clear error
// wherever it is asked.
#pragma once

#include <c10/core/Device.h>

#include <string>

namespace vgs::core {
class Config;
class Schema;
}  // namespace vgs::core

namespace vgs::nn {

// True for auto, cpu, cuda and cuda:N (N a non-negative integer): the syntax, not the machine.
bool is_device_spec(const std::string& spec);

// The device `spec` names on this machine; vgs::Error naming `key` when it asks for CUDA that
// LibTorch does not see (a CPU-only build, no GPU, or an index past the last device).
c10::Device resolve_device(const std::string& spec, const std::string& key);

// The device setting at `key` of a recipe, its syntax checked (vgs::Error naming file and line).
std::string device_option(const core::Config& config, const std::string& key);

// Adds device_option's syntax check of `key` to the schema's rules, so a recipe with a malformed
// device is refused when it loads (vgs-config too), not when the device is first needed.
void add_device_check(core::Schema& schema, const std::string& key);

}  // namespace vgs::nn
