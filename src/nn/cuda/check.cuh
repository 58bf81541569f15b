// Error checks for CUDA runtime and cuBLAS calls: a failure throws stream_tts::Error (kInternal) naming
// the call, file and line. Loading and graph building may throw; the runners map it to a Status.
#pragma once

#include <cuda_runtime_api.h>

#include <string>

#include "stream_tts/status.h"

namespace stream_tts::nn::cuda {

inline void check_cuda(cudaError_t e, const char* what, const char* file, int line) {
  if (e == cudaSuccess) return;
  throw Error(StatusCode::kInternal, std::string("CUDA: ") + what + " failed: " + cudaGetErrorString(e) + " (" +
                                         file + ":" + std::to_string(line) + ")");
}

inline void check_cublas(int status, const char* what, const char* file, int line) {
  if (status == 0) return;
  throw Error(StatusCode::kInternal, std::string("cuBLAS: ") + what + " failed with status " +
                                         std::to_string(status) + " (" + file + ":" + std::to_string(line) + ")");
}

}  // namespace stream_tts::nn::cuda

// Macros only to capture the failing expression's text and location.
#define ST_CUDA_CHECK(expr) ::stream_tts::nn::cuda::check_cuda((expr), #expr, __FILE__, __LINE__)
#define ST_CUBLAS_CHECK(expr) ::stream_tts::nn::cuda::check_cublas(static_cast<int>(expr), #expr, __FILE__, __LINE__)
