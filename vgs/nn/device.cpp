// Device settings of recipes resolved on this machine.
#include "vgs/nn/device.h"

#include <torch/cuda.h>

#include <cctype>

#include "vgs/core/config.h"
#include "vgs/core/error.h"
#include "vgs/core/schema.h"

namespace vgs::nn {

namespace {
// The N of "cuda:N", or -1 for plain "cuda".
int64_t cuda_index(const std::string& spec) {
  return spec.size() > 5 ? std::stoll(spec.substr(5)) : -1;
}
}  // namespace

bool is_device_spec(const std::string& spec) {
  if (spec == "auto" || spec == "cpu" || spec == "cuda") return true;
  if (spec.rfind("cuda:", 0) != 0 || spec.size() == 5 || spec.size() > 9) return false;
  for (size_t i = 5; i < spec.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(spec[i]))) return false;
  return true;
}

c10::Device resolve_device(const std::string& spec, const std::string& key) {
  if (!is_device_spec(spec)) throw Error(key + ": expected auto, cpu, cuda or cuda:N, got '" + spec + "'");
  const int64_t count = torch::cuda::is_available() ? static_cast<int64_t>(torch::cuda::device_count()) : 0;
  if (spec == "cpu" || (spec == "auto" && count == 0)) return c10::Device(c10::kCPU);
  // Plain cuda (and auto) is the current CUDA device, which a data-parallel launcher sets per rank.
  if (spec == "auto") return c10::Device(c10::kCUDA);
  if (count == 0)
    throw Error(key + ": " + spec + " asked for, but LibTorch sees no CUDA device here (no GPU, or a CPU-only build); "
                "use cpu or auto");
  const int64_t index = cuda_index(spec);
  if (index < 0) return c10::Device(c10::kCUDA);
  if (index >= count)
    throw Error(key + ": " + spec + " asked for, but this machine has " + std::to_string(count) +
                " CUDA device(s), cuda:0 to cuda:" + std::to_string(count - 1));
  return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(index));
}

std::string device_option(const core::Config& c, const std::string& key) {
  const std::string& spec = c.get_string(key);
  if (!is_device_spec(spec))
    throw Error(c.source(key).describe() + ": " + key + ": expected auto, cpu, cuda or cuda:N, got '" + spec + "'");
  return spec;
}

void add_device_check(core::Schema& schema, const std::string& key) {
  schema.add_check([key](const core::Config& c) { device_option(c, key); });
}

}  // namespace vgs::nn
