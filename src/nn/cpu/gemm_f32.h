// fp32 products of a few rows against a weight matrix stored [out, in] (internal to nn/cpu).
#pragma once

#include <string>

namespace stream_tts::nn::cpu {

// kAuto: our AVX-512 kernel where the CPU has AVX-512 and either the loaded OpenBLAS runs kernels
// without it (its core detection misses the CPU) or there are at most 32 rows; OpenBLAS otherwise.
enum class GemmKernel { kAuto, kOpenBlas, kAvx512 };

// Overrides the choice (tests and benchmarks); kAvx512 without AVX-512 runs OpenBLAS. Not thread-safe
// against running products.
void set_gemm_kernel(GemmKernel kernel);
// "avx512" or "openblas-<core>" (OpenBLAS's name for the kernels it runs) for a product of `rows` rows.
std::string gemm_kernel_name(int rows);

// y[m, n] = x[m, :] · w[n, :] for m < rows and begin <= n < end; x is [rows, in], y is [rows, out].
// Single-threaded (callers split n over the pool).
void gemm_nt_block(const float* x, int rows, const float* w, int in, int begin, int end, float* y, int out);

}  // namespace stream_tts::nn::cpu
