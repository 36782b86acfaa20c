# Use ccache for C++ (and CUDA) compiles when it is installed: rebuilds of a fresh clone are then cheap.
find_program(VGS_CCACHE ccache)
if(VGS_CCACHE)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${VGS_CCACHE})
  set(CMAKE_CUDA_COMPILER_LAUNCHER ${VGS_CCACHE})
  message(STATUS "vgs: ccache enabled (${VGS_CCACHE})")
endif()
