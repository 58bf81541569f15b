// fp32 matrix products for a few rows (the encoder's tokens, the beams of a decoder step):
// y[m, n] = x[m, :] · W[n, :] with W as PyTorch stores it. Debian's OpenBLAS 0.3.21 does not know
// recent Xeons (family 6 model 207 reports as "Intel(R) Xeon(R) Processor") and runs its SSE3
// (PRESCOTT) kernels there although the CPU has AVX-512; this kernel needs no packing and keeps
// 4 x-rows × 4 weight rows in 16 AVX-512 accumulators, which wins for the short sequences here
// (docs/nmt.md has the measurements). Chosen at run time; OpenBLAS stays for the other cases.
#include <cblas.h>


#include "nn/cpu/gemm_f32.h"

#include <string>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace stream_tts::nn::cpu {
namespace {

#if defined(__x86_64__)
// GCC 12's AVX-512 intrinsics pass an "undefined" operand that -Wuninitialized reports (GCC bug 105593).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

// MR x-rows against NR weight rows over k in [0, in): masked loads for the tail, so any `in` works.
template <int MR, int NR>
__attribute__((target("avx512f"))) inline void block_avx512(const float* x, size_t x_stride, const float* w,
                                                            size_t w_stride, int in, float* out, size_t out_stride) {
  __m512 acc[MR][NR];
  for (int m = 0; m < MR; ++m)
    for (int n = 0; n < NR; ++n) acc[m][n] = _mm512_setzero_ps();
  int k = 0;
  for (; k + 16 <= in; k += 16) {
    __m512 vw[NR];
    for (int n = 0; n < NR; ++n) vw[n] = _mm512_loadu_ps(w + n * w_stride + k);
    for (int m = 0; m < MR; ++m) {
      const __m512 vx = _mm512_loadu_ps(x + m * x_stride + k);
      for (int n = 0; n < NR; ++n) acc[m][n] = _mm512_fmadd_ps(vx, vw[n], acc[m][n]);
    }
  }
  if (k < in) {
    const __mmask16 mask = static_cast<__mmask16>((1u << (in - k)) - 1);
    __m512 vw[NR];
    for (int n = 0; n < NR; ++n) vw[n] = _mm512_maskz_loadu_ps(mask, w + n * w_stride + k);
    for (int m = 0; m < MR; ++m) {
      const __m512 vx = _mm512_maskz_loadu_ps(mask, x + m * x_stride + k);
      for (int n = 0; n < NR; ++n) acc[m][n] = _mm512_fmadd_ps(vx, vw[n], acc[m][n]);
    }
  }
  for (int m = 0; m < MR; ++m)
    for (int n = 0; n < NR; ++n) out[m * out_stride + n] = _mm512_reduce_add_ps(acc[m][n]);
}

template <int NR>
__attribute__((target("avx512f"))) void rows_avx512(const float* x, int rows, const float* w, int in, float* y,
                                                    size_t out) {
  int m = 0;
  for (; m + 4 <= rows; m += 4) block_avx512<4, NR>(x + m * size_t(in), in, w, in, in, y + m * out, out);
  switch (rows - m) {
    case 3: block_avx512<3, NR>(x + m * size_t(in), in, w, in, in, y + m * out, out); break;
    case 2: block_avx512<2, NR>(x + m * size_t(in), in, w, in, in, y + m * out, out); break;
    case 1: block_avx512<1, NR>(x + m * size_t(in), in, w, in, in, y + m * out, out); break;
    default: break;
  }
}

// Weight rows outermost: four of them (at most 4·in floats) stay in L1 while every x-row passes.
__attribute__((target("avx512f"))) void gemm_nt_avx512(const float* x, int rows, const float* w, int in, int begin,
                                                       int end, float* y, int out) {
  int n = begin;
  for (; n + 4 <= end; n += 4) rows_avx512<4>(x, rows, w + size_t(n) * in, in, y + n, out);
  for (; n < end; ++n) rows_avx512<1>(x, rows, w + size_t(n) * in, in, y + n, out);
}

bool openblas_core_lacks_avx512() {
  // OpenBLAS names its kernels by core; these carry AVX-512 sgemm kernels.
  const std::string core = openblas_get_corename();
  for (const char* good : {"skylakex", "SkylakeX", "cooperlake", "Cooperlake", "sapphirerapids", "SapphireRapids"}) {
    if (core == good) return false;
  }
  return true;
}
#pragma GCC diagnostic pop
#endif

bool have_avx512() {
#if defined(__x86_64__)
  return __builtin_cpu_supports("avx512f");
#else
  return false;
#endif
}

// Measured on a Xeon with AVX-512 (M rows, K in, N out, one thread): against OpenBLAS's PRESCOTT
// kernels ours is 3.5-4.5x faster for every shape; against its SkylakeX kernels (OPENBLAS_CORETYPE)
// it is 1.0-1.2x faster up to 24 rows and 0.7x at 128 rows, where packing pays off.
constexpr int kOwnKernelMaxRows = 32;
bool& openblas_weak() {
  static bool weak = have_avx512() && openblas_core_lacks_avx512();
  return weak;
}

GemmKernel& chosen() {
  static GemmKernel k = GemmKernel::kAuto;
  return k;
}

bool use_own(int rows) {
  switch (chosen()) {
    case GemmKernel::kAvx512: return have_avx512();
    case GemmKernel::kOpenBlas: return false;
    case GemmKernel::kAuto: break;
  }
  return have_avx512() && (openblas_weak() || rows <= kOwnKernelMaxRows);
}

}  // namespace

void set_gemm_kernel(GemmKernel kernel) { chosen() = kernel; }

std::string gemm_kernel_name(int rows) {
  return use_own(rows) ? "avx512" : std::string("openblas-") + openblas_get_corename();
}

void gemm_nt_block(const float* x, int rows, const float* w, int in, int begin, int end, float* y, int out) {
#if defined(__x86_64__)
  if (use_own(rows)) {
    gemm_nt_avx512(x, rows, w, in, begin, end, y, out);
    return;
  }
#endif
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, end - begin, in, 1.0f, x, in,
              w + static_cast<size_t>(begin) * in, in, 0.0f, y + begin, out);
}

}  // namespace stream_tts::nn::cpu
