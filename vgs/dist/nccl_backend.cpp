// NCCL for CUDA tensors (see nccl_backend.h).
#include "vgs/dist/nccl_backend.h"

#include "vgs/core/error.h"
#include "vgs/core/version.h"

#if VGS_WITH_CUDA_BUILD
#ifndef USE_C10D_NCCL
#define USE_C10D_NCCL  // what ProcessGroupNCCL.hpp asks for (Torch's CMake flags may set it already)
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

namespace vgs::dist {

c10::intrusive_ptr<c10d::Backend> make_nccl_backend(const c10::intrusive_ptr<c10d::Store>& store, int rank, int size,
                                                    std::chrono::milliseconds timeout) {
#if VGS_WITH_CUDA_BUILD
  auto options = c10d::ProcessGroupNCCL::Options::create();
  options->timeout = timeout;
  return c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, size, options);
#else
  (void)store, (void)rank, (void)size, (void)timeout;
  throw Error("this vgs was built without CUDA: no NCCL; train on the CPU (Gloo) or rebuild with the CUDA toolkit");
#endif
}

}  // namespace vgs::dist
