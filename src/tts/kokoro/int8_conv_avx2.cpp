// The AVX2 level of int8_conv_kernel.h, for CPUs without AVX-512 VNNI. vpmaddubsw (u8 × s8) would
// saturate its int16 pair sums (255·127·2 > 32767), so inputs and weights are widened to centred
// int16 instead and vpmaddwd adds each pair exactly into int32: 2 channels × 8 outputs an
// instruction. Blocks of kRows output steps × kPanels·8 outputs stay in 12 of the 16 registers.
#include "tts/kokoro/int8_conv_levels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

// Compiled for AVX2 whatever the build's flags (see int8_conv_avx512.cpp).
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2"))), apply_to = function)
#elif defined(__GNUC__)
#pragma GCC push_options
#pragma GCC target("avx2")
#endif

namespace stream_tts::kokoro::int8_detail {
namespace {

constexpr size_t kRows = kAvx2Rows;
constexpr size_t kPanels = kAvx2Panels;

template <int Rows, int Panels>
void block(const Avx2Args& a, size_t t0, size_t p0) {
  __m256i acc[Rows][Panels];
  for (int i = 0; i < Rows; ++i)
    for (int v = 0; v < Panels; ++v) acc[i][v] = _mm256_setzero_si256();
  const size_t panel_values = a.kernel * a.ld * 16;
  const int16_t* wp = a.packed + p0 * panel_values;
  // Dilation 1: the window's rows are contiguous, one run (see int8_conv_avx512.cpp).
  const size_t taps = a.dilation == 1 ? 1 : a.kernel;
  const size_t run = a.dilation == 1 ? a.kernel * a.ld : a.ld;
  for (size_t j = 0; j < taps; ++j) {
    const int32_t* xr[Rows];
    for (int i = 0; i < Rows; ++i) xr[i] = a.x + ((t0 + i) * a.stride + j * a.dilation) * a.ld;
    const int16_t* wj = wp + j * a.ld * 16;
    for (size_t g = 0; g < run; ++g) {
      __m256i w[Panels];
      for (int v = 0; v < Panels; ++v) {
        w[v] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wj + v * panel_values + g * 16));
      }
      for (int i = 0; i < Rows; ++i) {
        const __m256i xa = _mm256_set1_epi32(xr[i][g]);
        for (int v = 0; v < Panels; ++v) {
          acc[i][v] = _mm256_add_epi32(acc[i][v], _mm256_madd_epi16(xa, w[v]));
        }
      }
    }
  }
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  for (int v = 0; v < Panels; ++v) {
    const size_t o0 = (p0 + v) * 8;
    const size_t left = a.out - o0;
    const __m256i mask =
        _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(left >= 8 ? 8 : left)), lane);
    if (a.output.acc != nullptr) {
      for (int i = 0; i < Rows; ++i) {
        _mm256_maskstore_epi32(a.output.acc + (t0 + i) * a.out + o0, mask, acc[i][v]);
      }
    } else {  // ORT's Add of the int32 bias, Cast and Mul
      const __m256i bias =
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.output.bias_q + o0));
      const __m256 scale = _mm256_set1_ps(a.output.scale);
      for (int i = 0; i < Rows; ++i) {
        const __m256 r = _mm256_cvtepi32_ps(_mm256_add_epi32(acc[i][v], bias));
        _mm256_maskstore_ps(a.output.y + (t0 + i) * a.out + o0, mask, _mm256_mul_ps(r, scale));
      }
    }
  }
}

template <int Rows>
void block_rows(const Avx2Args& a, size_t t0, size_t p0, size_t panels) {
  if (panels >= 2) {
    block<Rows, 2>(a, t0, p0);
  } else {
    block<Rows, 1>(a, t0, p0);
  }
}

}  // namespace

void conv_avx2(const Avx2Args& a, size_t begin, size_t end) {
  // Work item i: panel group i / time_blocks, output steps from (i % time_blocks) · kRows; items of
  // one panel group are adjacent, so a thread's run of items reuses that group's weights.
  const size_t panels = (a.out + 7) / 8;
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

}  // namespace stream_tts::kokoro::int8_detail

#if defined(__clang__)
#pragma clang attribute pop
#elif defined(__GNUC__)
#pragma GCC pop_options
#endif

#else  // not x86: int8_cpu_level() never picks this level

namespace stream_tts::kokoro::int8_detail {
void conv_avx2(const Avx2Args&, size_t, size_t) {}
}  // namespace stream_tts::kokoro::int8_detail

#endif
