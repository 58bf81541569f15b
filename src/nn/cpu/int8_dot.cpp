// int8 weight products: per-row symmetric quantization of weights (at load) and of activations (per
// call), dot products in int32. The AVX-512 VNNI and AVX2 kernels are compiled with target attributes
// and chosen at run time, so one binary runs on any x86-64 (and the scalar path everywhere else).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "nn/cpu/kernels.h"
#include "nn/cpu/row_kernels.h"
#include "nn/cpu/thread_pool.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace stream_tts::nn {

void quantize_int8(Linear* linear) {
  if (linear->weight.empty()) return;
  const int rows = linear->out, cols = linear->in;
  linear->qweight.resize(static_cast<size_t>(rows) * cols);
  linear->qscale.resize(rows);
  cpu::parallel_for(rows, 16, [&](int begin, int end) {
    for (int r = begin; r < end; ++r) {
      const float* w = linear->weight.data + static_cast<size_t>(r) * cols;
      float amax = 0.0f;
      for (int c = 0; c < cols; ++c) amax = std::max(amax, std::fabs(w[c]));
      const float scale = amax > 0.0f ? amax / 127.0f : 1.0f;
      const float inv = 1.0f / scale;
      int8_t* q = linear->qweight.data() + static_cast<size_t>(r) * cols;
      for (int c = 0; c < cols; ++c) {
        q[c] = static_cast<int8_t>(std::nearbyint(std::clamp(w[c] * inv, -127.0f, 127.0f)));
      }
      linear->qscale[r] = scale;
    }
  });
  linear->weight = FloatTensor{};
}

namespace cpu {
namespace {

int32_t dot_scalar(const int8_t* a, const int8_t* b, int n) {
  int32_t s = 0;
  for (int i = 0; i < n; ++i) s += static_cast<int32_t>(a[i]) * b[i];
  return s;
}

#if defined(__x86_64__)
// maddubs multiplies unsigned by signed bytes: |a| times b carrying a's sign. Values are within
// [-127, 127], so pair sums (≤ 2·127·127) never saturate int16.
__attribute__((target("avx2"))) int32_t dot_avx2(const int8_t* a, const int8_t* b, int n) {
  __m256i acc = _mm256_setzero_si256();
  const __m256i ones = _mm256_set1_epi16(1);
  int i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m256i va = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + i));
    const __m256i vb = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + i));
    const __m256i prod16 = _mm256_maddubs_epi16(_mm256_sign_epi8(va, va), _mm256_sign_epi8(vb, va));
    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(prod16, ones));
  }
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
  s = _mm_hadd_epi32(s, s);
  s = _mm_hadd_epi32(s, s);
  return _mm_cvtsi128_si32(s) + dot_scalar(a + i, b + i, n - i);
}

// Four weight rows against one activation row: the activation is loaded and its absolute value taken
// once per 32 bytes, and the four sums are reduced together; this makes the product memory-bound
// instead of instruction-bound (about 1.6x on the decoder's matrix-vector products).
__attribute__((target("avx2"))) void dot4_avx2(const int8_t* x, const int8_t* w, size_t stride, int n,
                                               int32_t* out) {
  __m256i acc0 = _mm256_setzero_si256(), acc1 = acc0, acc2 = acc0, acc3 = acc0;
  const __m256i ones = _mm256_set1_epi16(1);
  const int8_t* w0 = w;
  const int8_t* w1 = w + stride;
  const int8_t* w2 = w + 2 * stride;
  const int8_t* w3 = w + 3 * stride;
  int i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m256i vx = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i));
    const __m256i ax = _mm256_sign_epi8(vx, vx);
    const __m256i v0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w0 + i));
    const __m256i v1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w1 + i));
    const __m256i v2 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w2 + i));
    const __m256i v3 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w3 + i));
    acc0 = _mm256_add_epi32(acc0, _mm256_madd_epi16(_mm256_maddubs_epi16(ax, _mm256_sign_epi8(v0, vx)), ones));
    acc1 = _mm256_add_epi32(acc1, _mm256_madd_epi16(_mm256_maddubs_epi16(ax, _mm256_sign_epi8(v1, vx)), ones));
    acc2 = _mm256_add_epi32(acc2, _mm256_madd_epi16(_mm256_maddubs_epi16(ax, _mm256_sign_epi8(v2, vx)), ones));
    acc3 = _mm256_add_epi32(acc3, _mm256_madd_epi16(_mm256_maddubs_epi16(ax, _mm256_sign_epi8(v3, vx)), ones));
  }
  // [a0+a1.., b.., a.., b..] pairs -> one vector whose 128-bit halves hold partial sums of rows 0..3.
  const __m256i h01 = _mm256_hadd_epi32(acc0, acc1);
  const __m256i h23 = _mm256_hadd_epi32(acc2, acc3);
  const __m256i h = _mm256_hadd_epi32(h01, h23);
  const __m128i sum = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), sum);
  for (; i < n; ++i) {
    out[0] += int32_t(x[i]) * w0[i];
    out[1] += int32_t(x[i]) * w1[i];
    out[2] += int32_t(x[i]) * w2[i];
    out[3] += int32_t(x[i]) * w3[i];
  }
}

// AVX-512 VNNI: vpdpbusd multiplies unsigned by signed bytes and adds groups of four into int32 (no
// intermediate saturation), 64 bytes per instruction. The same sign transfer as above (|x| times w
// negated where x < 0) keeps every sum exact, so the results equal the AVX2 kernel's bit for bit.
// Tails use masked loads (zeros add nothing).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"  // GCC 12's reduce intrinsics (GCC bug 105593)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
template <int R>
__attribute__((target("avx512f,avx512bw,avx512vnni"))) inline void dot_rows_vnni(const int8_t* x, const int8_t* w,
                                                                                size_t stride, int n, int32_t* out) {
  __m512i acc[R];
  for (int r = 0; r < R; ++r) acc[r] = _mm512_setzero_si512();
  const __m512i zero = _mm512_setzero_si512();
  for (int i = 0; i < n; i += 64) {
    const __mmask64 valid = n - i >= 64 ? ~__mmask64{0} : (__mmask64{1} << (n - i)) - 1;
    const __m512i vx = _mm512_maskz_loadu_epi8(valid, x + i);
    const __m512i ax = _mm512_abs_epi8(vx);
    const __mmask64 neg = _mm512_movepi8_mask(vx);
    for (int r = 0; r < R; ++r) {
      __m512i vw = _mm512_maskz_loadu_epi8(valid, w + r * stride + i);
      vw = _mm512_mask_sub_epi8(vw, neg, zero, vw);
      acc[r] = _mm512_dpbusd_epi32(acc[r], ax, vw);
    }
  }
  for (int r = 0; r < R; ++r) out[r] = _mm512_reduce_add_epi32(acc[r]);
}
#pragma GCC diagnostic pop

__attribute__((target("avx512f,avx512bw,avx512vnni"))) void dot4_vnni(const int8_t* x, const int8_t* w,
                                                                      size_t stride, int n, int32_t* out) {
  dot_rows_vnni<4>(x, w, stride, n, out);
}

__attribute__((target("avx512f,avx512bw,avx512vnni"))) int32_t dot_vnni(const int8_t* a, const int8_t* b, int n) {
  int32_t out;
  dot_rows_vnni<1>(a, b, 0, n, &out);
  return out;
}

bool have_vnni() {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vnni");
}
#endif

void dot4_scalar(const int8_t* x, const int8_t* w, size_t stride, int n, int32_t* out) {
  for (int r = 0; r < 4; ++r) out[r] = dot_scalar(x, w + r * stride, n);
}


using DotFn = int32_t (*)(const int8_t*, const int8_t*, int);
using Dot4Fn = void (*)(const int8_t*, const int8_t*, size_t, int, int32_t*);

Dot4Fn pick_dot4() {
#if defined(__x86_64__)
  if (have_vnni()) return dot4_vnni;
  if (__builtin_cpu_supports("avx2")) return dot4_avx2;
#endif
  return dot4_scalar;
}

const Dot4Fn kDot4 = pick_dot4();

DotFn pick_dot() {
#if defined(__x86_64__)
  if (have_vnni()) return dot_vnni;
  if (__builtin_cpu_supports("avx2")) return dot_avx2;
#endif
  return dot_scalar;
}

const DotFn kDot = pick_dot();

}  // namespace

const char* int8_kernel_name() {
#if defined(__x86_64__)
  if (kDot == dot_vnni) return "avx512vnni";
  if (kDot == dot_avx2) return "avx2";
#endif
  return "scalar";
}

float quantize_row_int8(const float* x, int n, int8_t* q) {
  float amax = 0.0f;
  for (int c = 0; c < n; ++c) amax = std::max(amax, std::fabs(x[c]));
  const float scale = amax > 0.0f ? amax / 127.0f : 1.0f;
  const float inv = 1.0f / scale;
  for (int c = 0; c < n; ++c) q[c] = static_cast<int8_t>(std::nearbyint(x[c] * inv));
  return scale;
}

void int8_dot_rows(const int8_t* qx, const int8_t* w, int in, int begin, int end, int32_t* acc) {
  int n = begin;
  for (; n + 4 <= end; n += 4) kDot4(qx, w + static_cast<size_t>(n) * in, static_cast<size_t>(in), in, acc + (n - begin));
  for (; n < end; ++n) acc[n - begin] = kDot(qx, w + static_cast<size_t>(n) * in, in);
}

void linear_int8(const Linear& layer, const float* x, int rows, float* y) {
  const int in = layer.in, out = layer.out;
  thread_local std::vector<int8_t> qx;
  thread_local std::vector<float> sx;
  qx.resize(static_cast<size_t>(rows) * in);
  sx.resize(rows);
  for (int m = 0; m < rows; ++m) {
    sx[m] = quantize_row_int8(x + static_cast<size_t>(m) * in, in, qx.data() + static_cast<size_t>(m) * in);
  }
  const int8_t* qxp = qx.data();
  const float* sxp = sx.data();
  const float* bias = layer.bias.empty() ? nullptr : layer.bias.data;
  // Output rows outermost: four weight rows stay in L1 while every activation row passes over them.
  parallel_for(out, 64, [&](int begin, int end) {
    int n = begin;
    for (; n + 4 <= end; n += 4) {
      const int8_t* w = layer.qweight.data() + static_cast<size_t>(n) * in;
      for (int m = 0; m < rows; ++m) {
        int32_t acc[4];
        kDot4(qxp + static_cast<size_t>(m) * in, w, static_cast<size_t>(in), in, acc);
        float* yr = y + static_cast<size_t>(m) * out + n;
        for (int r = 0; r < 4; ++r) yr[r] = static_cast<float>(acc[r]) * sxp[m] * layer.qscale[n + r] + (bias ? bias[n + r] : 0.0f);
      }
    }
    for (; n < end; ++n) {
      const int8_t* w = layer.qweight.data() + static_cast<size_t>(n) * in;
      const float ws = layer.qscale[n];
      const float b = bias ? bias[n] : 0.0f;
      for (int m = 0; m < rows; ++m) {
        const int32_t acc = kDot(qxp + static_cast<size_t>(m) * in, w, in);
        y[static_cast<size_t>(m) * out + n] = static_cast<float>(acc) * sxp[m] * ws + b;
      }
    }
  });
}

}  // namespace cpu
}  // namespace stream_tts::nn
