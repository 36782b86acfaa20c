# LibTorch, from the PyPI torch wheel (scripts/setup.sh puts its cmake prefix on CMAKE_PREFIX_PATH) or
# any official LibTorch 2.x. Defines the target vgs::torch and VGS_WITH_CUDA.
#
# A CUDA build of LibTorch insists on finding the CUDA toolkit at configure time. When the toolkit
# is present we take Torch's own config (GPU and NCCL paths compile and link); when it is absent (a
# laptop) we import LibTorch's CPU libraries directly, so configure still succeeds with a CPU build.
option(VGS_CPU_ONLY "Build without CUDA even when the CUDA toolkit is present" OFF)

# The torch wheel's libtorch.so exports its own copy of std::filesystem (built with a newer GCC);
# when it is searched before libstdc++, calls such as std::filesystem::remove_all land in that copy
# and crash. Naming libstdc++ before LibTorch makes the dynamic linker take the real one.
add_library(vgs_torch INTERFACE)
target_link_libraries(vgs_torch INTERFACE "-Wl,--push-state,--no-as-needed,-lstdc++,--pop-state")

find_program(VGS_NVCC nvcc HINTS ENV CUDA_HOME PATHS /usr/local/cuda/bin)
if(VGS_NVCC AND NOT VGS_CPU_ONLY)
  if(NOT CMAKE_CUDA_COMPILER)
    set(CMAKE_CUDA_COMPILER ${VGS_NVCC})
  endif()
  get_filename_component(_vgs_cuda_bin ${VGS_NVCC} DIRECTORY)
  get_filename_component(CUDAToolkit_ROOT ${_vgs_cuda_bin} DIRECTORY)
  # Torch's cuda.cmake needs an architecture list; the wheel supports these.
  if(NOT TORCH_CUDA_ARCH_LIST AND NOT DEFINED ENV{TORCH_CUDA_ARCH_LIST})
    set(TORCH_CUDA_ARCH_LIST "8.0;9.0")
  endif()
  find_package(Torch REQUIRED)
  set(VGS_WITH_CUDA ON)
  target_link_libraries(vgs_torch INTERFACE ${TORCH_LIBRARIES})
  message(STATUS "vgs: LibTorch ${Torch_VERSION} with CUDA (toolkit ${CUDAToolkit_VERSION}); GPU and NCCL paths are built")
else()
  find_path(VGS_TORCH_SHARE NAMES Torch/TorchConfig.cmake PATHS ${CMAKE_PREFIX_PATH} NO_DEFAULT_PATH)
  if(NOT VGS_TORCH_SHARE)
    message(FATAL_ERROR "vgs: LibTorch not found. Run scripts/setup.sh, or pass "
                        "-DCMAKE_PREFIX_PATH=$(python -c 'import torch;print(torch.utils.cmake_prefix_path)')")
  endif()
  get_filename_component(_vgs_torch_root ${VGS_TORCH_SHARE}/../.. ABSOLUTE)
  find_library(VGS_TORCH_CPU torch_cpu PATHS ${_vgs_torch_root}/lib NO_DEFAULT_PATH REQUIRED)
  find_library(VGS_C10 c10 PATHS ${_vgs_torch_root}/lib NO_DEFAULT_PATH REQUIRED)
  target_include_directories(vgs_torch SYSTEM INTERFACE ${_vgs_torch_root}/include
                             ${_vgs_torch_root}/include/torch/csrc/api/include)
  target_link_libraries(vgs_torch INTERFACE ${VGS_TORCH_CPU} ${VGS_C10} Threads::Threads)
  target_compile_definitions(vgs_torch INTERFACE _GLIBCXX_USE_CXX11_ABI=1)
  set(VGS_WITH_CUDA OFF)
  message(STATUS "vgs: no CUDA toolkit found (or VGS_CPU_ONLY): CPU-only build against ${_vgs_torch_root}")
endif()
add_library(vgs::torch ALIAS vgs_torch)
