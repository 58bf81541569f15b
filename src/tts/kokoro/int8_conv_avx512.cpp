// The AVX-512 VNNI level of int8_conv_kernel.h: vpdpbusd multiplies 4 unsigned input codes by 4
// signed weights and adds the 4 products to an int32 lane without saturating, 16 outputs a
// register. Blocks of kRows output steps × up to kPanels·16 outputs accumulate in 24 registers over
// every tap and channel group; each weight load serves kRows instructions, each input broadcast
// kPanels.
#include <cstring>

#include "tts/kokoro/int8_conv_levels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

// Everything below is compiled for AVX-512 VNNI whatever the build's flags; int8_cpu_level() makes
// sure it only runs where the CPU has it. Standard headers come before, so that no inline library
// function is emitted with these instructions.
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni"))), \
                             apply_to = function)
#elif defined(__GNUC__)
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512vnni")
#endif

namespace stream_tts::kokoro::int8_detail {
namespace {

constexpr size_t kRows = kVnniRows;
constexpr size_t kPanels = kVnniPanels;

inline int32_t load_group(const uint8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

template <int Rows, int Panels>
void block(const VnniArgs& a, size_t t0, size_t p0) {
  __m512i acc[Rows][Panels];
  for (int i = 0; i < Rows; ++i)
    for (int v = 0; v < Panels; ++v) acc[i][v] = _mm512_setzero_si512();
  const size_t panel_bytes = a.kernel * a.groups * 64;
  const int8_t* wp = a.packed + p0 * panel_bytes;
  // With dilation 1 the taps' rows follow each other in memory, as their weights do in the panel:
  // the whole window is one run of kernel·groups groups (fewer loop ends for few channels).
  const size_t taps = a.dilation == 1 ? 1 : a.kernel;
  const size_t run = a.dilation == 1 ? a.kernel * a.groups : a.groups;
  for (size_t j = 0; j < taps; ++j) {
    const uint8_t* xr[Rows];
    for (int i = 0; i < Rows; ++i) xr[i] = a.x + ((t0 + i) * a.stride + j * a.dilation) * a.ld;
    const int8_t* wj = wp + j * a.groups * 64;
    for (size_t g = 0; g < run; ++g) {
      __m512i w[Panels];
      for (int v = 0; v < Panels; ++v) w[v] = _mm512_loadu_si512(wj + v * panel_bytes + g * 64);
      for (int i = 0; i < Rows; ++i) {
        const __m512i xa = _mm512_set1_epi32(load_group(xr[i] + 4 * g));
        for (int v = 0; v < Panels; ++v) acc[i][v] = _mm512_dpbusd_epi32(acc[i][v], xa, w[v]);
      }
    }
  }
  // acc = Σ x·v; the exact sum is Σ x·v − x_zp·Σv + b·Σ(x − x_zp) (int8_conv_kernel.cpp). The
  // lanes wrap modulo 2^32, which leaves the result exact whenever the true sum fits in int32.
  for (int v = 0; v < Panels; ++v) {
    const size_t o0 = (p0 + v) * 16;
    const __m512i fix = _mm512_loadu_si512(a.fix + o0);
    const __m512i offset = _mm512_loadu_si512(a.offset + o0);
    const size_t left = a.out - o0;
    const __mmask16 mask =
        left >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << left) - 1);
    if (a.output.acc != nullptr) {
      for (int i = 0; i < Rows; ++i) {
        const __m512i s = _mm512_set1_epi32(a.window_sum[t0 + i]);
        const __m512i r =
            _mm512_add_epi32(acc[i][v], _mm512_add_epi32(fix, _mm512_mullo_epi32(offset, s)));
        _mm512_mask_storeu_epi32(a.output.acc + (t0 + i) * a.out + o0, mask, r);
      }
    } else {
      // The int32 bias joins the fix-up (still modulo 2^32); then ORT's Cast and Mul.
      const __m512i fix_bias = _mm512_add_epi32(fix, _mm512_loadu_si512(a.output.bias_q + o0));
      const __m512 scale = _mm512_set1_ps(a.output.scale);
      for (int i = 0; i < Rows; ++i) {
        const __m512i s = _mm512_set1_epi32(a.window_sum[t0 + i]);
        const __m512i r =
            _mm512_add_epi32(acc[i][v], _mm512_add_epi32(fix_bias, _mm512_mullo_epi32(offset, s)));
        _mm512_mask_storeu_ps(a.output.y + (t0 + i) * a.out + o0, mask,
                              _mm512_mul_ps(_mm512_cvtepi32_ps(r), scale));
      }
    }
  }
}

template <int Rows>
void block_rows(const VnniArgs& a, size_t t0, size_t p0, size_t panels) {
  switch (panels) {
    case 1:
      block<Rows, 1>(a, t0, p0);
      break;
    case 2:
      block<Rows, 2>(a, t0, p0);
      break;
    case 3:
      block<Rows, 3>(a, t0, p0);
      break;
    default:
      block<Rows, kPanels>(a, t0, p0);
      break;
  }
}

}  // namespace

void conv_avx512_vnni(const VnniArgs& a, size_t begin, size_t end) {
  // Work item i: panel group i / time_blocks, output steps from (i % time_blocks) · kRows; items of
  // one panel group are adjacent, so a thread's run of items reuses that group's weights.
  const size_t panels = (a.out + 15) / 16;
  const size_t time_blocks = (a.out_steps + kRows - 1) / kRows;
  for (size_t item = begin; item < end; ++item) {
    const size_t p0 = item / time_blocks * kPanels, t0 = item % time_blocks * kRows;
    const size_t np = panels - p0 < kPanels ? panels - p0 : kPanels;
    switch (a.out_steps - t0 < kRows ? a.out_steps - t0 : kRows) {
      case 1:
        block_rows<1>(a, t0, p0, np);
        break;
      case 2:
        block_rows<2>(a, t0, p0, np);
        break;
      case 3:
        block_rows<3>(a, t0, p0, np);
        break;
      case 4:
        block_rows<4>(a, t0, p0, np);
        break;
      case 5:
        block_rows<5>(a, t0, p0, np);
        break;
      default:
        block_rows<kRows>(a, t0, p0, np);
        break;
    }
  }
}

void quantize_range_avx512(const float* x, size_t n, float* lo, float* hi) {
  // min_ps(v, m) = v < m ? v : m and max_ps(v, m) = v > m ? v : m: std::min(lo, v) and
  // std::max(hi, v) lane by lane (NaN and −0 included), so the lanes' results combine exactly.
  __m512 vlo = _mm512_setzero_ps(), vhi = _mm512_setzero_ps();
  for (size_t i = 0; i < n; i += 16) {
    const __mmask16 mask =
        n - i >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << (n - i)) - 1);
    const __m512 v = _mm512_maskz_loadu_ps(mask, x + i);  // 0 in the unused lanes: in range
    vlo = _mm512_min_ps(v, vlo);
    vhi = _mm512_max_ps(v, vhi);
  }
  alignas(64) float l[16], h[16];
  _mm512_store_ps(l, vlo);
  _mm512_store_ps(h, vhi);
  float rlo = 0.0f, rhi = 0.0f;
  for (int j = 0; j < 16; ++j) {
    rlo = l[j] < rlo ? l[j] : rlo;
    rhi = rhi < h[j] ? h[j] : rhi;
  }
  *lo = rlo;
  *hi = rhi;
}

void quantize_codes_avx512(const float* x, size_t n, float scale, float zero_point, uint8_t* out) {
  // The scalar code's steps, 16 lanes at a time: an IEEE division, round half to even, + zp,
  // clamp to [0, 255], then the (integral) value to a byte.
  const __m512 s = _mm512_set1_ps(scale), zp = _mm512_set1_ps(zero_point);
  const __m512 zero = _mm512_setzero_ps(), top = _mm512_set1_ps(255.0f);
  for (size_t i = 0; i < n; i += 16) {
    const __mmask16 mask =
        n - i >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << (n - i)) - 1);
    const __m512 v = _mm512_maskz_loadu_ps(mask, x + i);
    __m512 q =
        _mm512_roundscale_ps(_mm512_div_ps(v, s), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    q = _mm512_min_ps(_mm512_max_ps(_mm512_add_ps(q, zp), zero), top);
    // Narrowed in a register, then one masked byte store.
    _mm_mask_storeu_epi8(out + i, mask, _mm512_cvtepi32_epi8(_mm512_cvttps_epi32(q)));
  }
}

}  // namespace stream_tts::kokoro::int8_detail

#if defined(__clang__)
#pragma clang attribute pop
#elif defined(__GNUC__)
#pragma GCC pop_options
#endif

#else  // not x86: int8_cpu_level() never picks this level

namespace stream_tts::kokoro::int8_detail {
void conv_avx512_vnni(const VnniArgs&, size_t, size_t) {}
void quantize_range_avx512(const float*, size_t, float*, float*) {}
void quantize_codes_avx512(const float*, size_t, float, float, uint8_t*) {}
}  // namespace stream_tts::kokoro::int8_detail

#endif
