// fp32 products: a matrix-vector kernel of our own for decoder steps (memory-bound) and, for several
// rows, gemm_f32.cpp (ours or OpenBLAS sgemm), both split over the pool's blocking threads; int8 in
// int8_dot.cpp.
#include <cblas.h>

#include "nn/cpu/gemm_f32.h"
#include "nn/cpu/kernels.h"
#include "nn/cpu/row_kernels.h"
#include "nn/cpu/thread_pool.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace stream_tts::nn::cpu {

void linear_int8(const Linear& layer, const float* x, int rows, float* y);

namespace {

float dot_f32_scalar(const float* a, const float* b, int n) {
  float s = 0.0f;
  for (int i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) float dot_f32_avx2(const float* a, const float* b, int n) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), acc1);
  }
  const __m256 acc = _mm256_add_ps(acc0, acc1);
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
  s = _mm_hadd_ps(s, s);
  s = _mm_hadd_ps(s, s);
  return _mm_cvtss_f32(s) + dot_f32_scalar(a + i, b + i, n - i);
}

// Four weight rows against x: x is loaded once per 8 floats for all four, and the sums are reduced
// together (fewer loads and shuffles per weight byte; the product stays memory-bound).
__attribute__((target("avx2,fma"))) void dot4_f32_avx2(const float* x, const float* w, size_t stride, int n,
                                                       float* out) {
  __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 vx = _mm256_loadu_ps(x + i);
    a0 = _mm256_fmadd_ps(vx, _mm256_loadu_ps(w + i), a0);
    a1 = _mm256_fmadd_ps(vx, _mm256_loadu_ps(w + stride + i), a1);
    a2 = _mm256_fmadd_ps(vx, _mm256_loadu_ps(w + 2 * stride + i), a2);
    a3 = _mm256_fmadd_ps(vx, _mm256_loadu_ps(w + 3 * stride + i), a3);
  }
  const __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(a0, a1), _mm256_hadd_ps(a2, a3));
  const __m128 sum = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  _mm_storeu_ps(out, sum);
  for (int r = 0; r < 4; ++r) out[r] += dot_f32_scalar(x + i, w + r * stride + i, n - i);
}
#endif

void dot4_f32_scalar(const float* x, const float* w, size_t stride, int n, float* out) {
  for (int r = 0; r < 4; ++r) out[r] = dot_f32_scalar(x, w + r * stride, n);
}

using Dot4F32 = void (*)(const float*, const float*, size_t, int, float*);
Dot4F32 pick_dot4_f32() {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return dot4_f32_avx2;
#endif
  return dot4_f32_scalar;
}
const Dot4F32 kDot4F32 = pick_dot4_f32();

using DotF32 = float (*)(const float*, const float*, int);
DotF32 pick_dot_f32() {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return dot_f32_avx2;
#endif
  return dot_f32_scalar;
}
const DotF32 kDotF32 = pick_dot_f32();

}  // namespace

void gemv_f32_rows(const Linear& layer, const float* x, int begin, int end, float* out) {
  const int in = layer.in;
  float* y = out - begin;  // indexed by row below
  const float* w = layer.weight.data;
  const float* bias = layer.bias.empty() ? nullptr : layer.bias.data;
  int n = begin;
  for (; n + 4 <= end; n += 4) {
    kDot4F32(x, w + static_cast<size_t>(n) * in, static_cast<size_t>(in), in, y + n);
    if (bias) {
      for (int r = 0; r < 4; ++r) y[n + r] += bias[n + r];
    }
  }
  for (; n < end; ++n) y[n] = kDotF32(x, w + static_cast<size_t>(n) * in, in) + (bias ? bias[n] : 0.0f);
}

void set_threads(int n) {
  if (n < 1) n = 1;
  openblas_set_num_threads(1);  // parallelism comes from the pool (see linear())
  pool_set_threads(n);
}

void linear(const Linear& layer, const float* x, int rows, float* y) {
  if (layer.quantized()) {
    linear_int8(layer, x, rows, y);
    return;
  }
  const int in = layer.in, out = layer.out;
  const float* bias = layer.bias.empty() ? nullptr : layer.bias.data;
  if (rows == 1) {
    parallel_for(out, 64, [&](int begin, int end) { gemv_f32_rows(layer, x, begin, end, y + begin); });
    return;
  }
  // Each pool thread multiplies its own block of output columns with a single-threaded sgemm, so that
  // OpenBLAS keeps no spinning threads of its own next to the pool's.
  parallel_for(out, 64, [&](int begin, int end) {
    gemm_nt_block(x, rows, layer.weight.data, in, begin, end, y, out);
    if (bias) {
      for (int m = 0; m < rows; ++m) add_inplace(y + static_cast<size_t>(m) * out + begin, bias + begin, end - begin);
    }
  });
}

}  // namespace stream_tts::nn::cpu
