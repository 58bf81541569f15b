# CUDA for the native models' GPU path (src/nn/cuda, src/translate/nmt/cuda), included only when
# STREAM_TTS_CUDA=ON: with it OFF nothing here runs and no CUDA code is compiled.
# Hopper (sm_90) by default: the decode kernels use griddepcontrol (programmatic dependent launch,
# sm_90); pass -DCMAKE_CUDA_ARCHITECTURES=... for other cards (older ones build without it and the
# runner turns PDL off there).
if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
  set(CMAKE_CUDA_ARCHITECTURES 90)
endif()
if(CCACHE_PROGRAM)
  set(CMAKE_CUDA_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
endif()
enable_language(CUDA)
set(CMAKE_CUDA_STANDARD 17)  # the kernels need no more; CMake 3.25 knows no CUDA20 flags for nvcc 13
set(CMAKE_CUDA_STANDARD_REQUIRED ON)
find_package(CUDAToolkit REQUIRED)
