#include "tts/kokoro/onnx_trig.h"

#include <cmath>
#include <cstdint>
#include <cstring>

#include <immintrin.h>

namespace stream_tts::kokoro {

namespace {

uint32_t bits_of(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

float from_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// The bytes of 2/π · 2⁻², with three zero bytes in front and two behind, so that any 32-bit
// window at a byte offset can be read.
constexpr uint8_t kTwoOverPi[29] = {0,    0,    0,    0x28, 0xbe, 0x60, 0xdb, 0x93, 0x91, 0x05,
                                    0x4a, 0x7f, 0x09, 0xd5, 0xf4, 0x7d, 0x4d, 0x37, 0x70, 0x36,
                                    0xd8, 0xa5, 0x66, 0x4f, 0x10, 0xe4, 0x10, 0,    0};

uint32_t two_over_pi_word(uint32_t byte) {
  return uint32_t{kTwoOverPi[byte]} << 24 | uint32_t{kTwoOverPi[byte + 1]} << 16 |
         uint32_t{kTwoOverPi[byte + 2]} << 8 | uint32_t{kTwoOverPi[byte + 3]};
}

// |x| (finite, large) → x − q·π/2 and the quadrant q, with x·2/π in 2.62 fixed point.
float reduce_huge(float x, int32_t* quadrant) {
  constexpr double kHalfPiScaled = 3.4061215800865545e-19;  // π/2 · 2⁻⁶²
  uint32_t xi = bits_of(x);
  const uint32_t e = (xi >> 23) - 118;  // exponent − 126 + 8: byte-aligned windows of 2/π
  xi = ((xi & 0x007fffffu) | 0x00800000u) << (e & 0x7);
  const uint32_t i = e >> 3;
  uint64_t p = uint64_t{xi} * two_over_pi_word(i + 7);
  p = uint64_t{xi} * two_over_pi_word(i + 3) + (p >> 32);
  p = (uint64_t{xi * two_over_pi_word(i - 1)} << 32) + p;
  const uint64_t q = (p + (uint64_t{1} << 61)) >> 62;
  *quadrant = static_cast<int32_t>(q);
  p -= q << 62;
  return static_cast<float>(static_cast<double>(static_cast<int64_t>(p)) * kHalfPiScaled);
}

template <bool kSine>
float sin_cos(float x_in) {
  constexpr float kRoundingMagic = 12582912.0f;  // 2²³ + 2²²
  float x = std::fabs(x_in);
  const float y_round = x * 0.636619746685028076171875f + kRoundingMagic;
  auto y_int = static_cast<int32_t>(bits_of(y_round));  // low bits: the nearest integer
  const float y = y_round - kRoundingMagic;
  x = y * -1.5703125f + x;
  x = y * -0.000483989715576171875f + x;
  x = y * 1.62865035235881805419921875e-07f + x;
  x = y * 5.5644315544167710640977020375430583953857421875e-11f + x;
  const float huge = kSine ? 25966.0f : 18838.0f;
  if (std::fabs(x_in) >= huge && std::isfinite(x_in)) x = reduce_huge(std::fabs(x_in), &y_int);
  uint32_t sign = kSine ? (bits_of(x_in) ^ (static_cast<uint32_t>(y_int) << 30))
                        : (static_cast<uint32_t>(y_int + 1) << 30);
  sign &= 0x80000000u;
  const bool even = (y_int & 1) == 0;
  const float x2 = x * x;
  float c = 2.4372266125283204019069671630859375e-05f;
  c = c * x2 + -0.00138865201734006404876708984375f;
  c = c * x2 + 0.041666619479656219482421875f;
  c = c * x2 + -0.5f;
  c = c * x2 + 1.0f;
  float s = -0.0001959234114083702898469196984621021329076029360294342041015625f;
  s = s * x2 + 0.0083326873655616851693794799871284340042620897293090820312500000f;
  s = s * x2 + -0.1666666203982298255503735617821803316473960876464843750000000000f;
  s = s * x2;
  s = s * x + x;
  const float r = kSine ? (even ? s : c) : (even ? c : s);
  return from_bits(bits_of(r) ^ sign);
}

// One Horner step of the polynomials below: p·x² + k, rounded twice.
__attribute__((target("avx2"))) inline void horner(__m256* p, const __m256& x2, float k) {
  *p = _mm256_add_ps(_mm256_mul_ps(*p, x2), _mm256_set1_ps(k));
}

// onnx_sin on eight lanes, the scalar steps one for one (a multiply and an add, never fused).
// Returns false when a lane needs the Payne–Hanek reduction (the caller redoes those lanes).
__attribute__((target("avx2"))) bool sin8(const float* in, float* out) {
  const __m256 v = _mm256_loadu_ps(in);
  const __m256 sign_mask = _mm256_castsi256_ps(_mm256_set1_epi32(static_cast<int>(0x80000000u)));
  const __m256 magic = _mm256_set1_ps(12582912.0f);
  __m256 x = _mm256_andnot_ps(sign_mask, v);
  const bool huge = _mm256_movemask_ps(_mm256_cmp_ps(x, _mm256_set1_ps(25966.0f), _CMP_GE_OQ)) != 0;
  const __m256 y_round =
      _mm256_add_ps(_mm256_mul_ps(x, _mm256_set1_ps(0.636619746685028076171875f)), magic);
  const __m256i y_int = _mm256_castps_si256(y_round);
  const __m256 y = _mm256_sub_ps(y_round, magic);
  x = _mm256_add_ps(_mm256_mul_ps(y, _mm256_set1_ps(-1.5703125f)), x);
  x = _mm256_add_ps(_mm256_mul_ps(y, _mm256_set1_ps(-0.000483989715576171875f)), x);
  x = _mm256_add_ps(_mm256_mul_ps(y, _mm256_set1_ps(1.62865035235881805419921875e-07f)), x);
  x = _mm256_add_ps(
      _mm256_mul_ps(y, _mm256_set1_ps(5.5644315544167710640977020375430583953857421875e-11f)), x);
  const __m256 sign =
      _mm256_and_ps(_mm256_xor_ps(v, _mm256_castsi256_ps(_mm256_slli_epi32(y_int, 30))), sign_mask);
  const __m256 even = _mm256_castsi256_ps(_mm256_cmpeq_epi32(
      _mm256_and_si256(y_int, _mm256_set1_epi32(1)), _mm256_setzero_si256()));
  const __m256 x2 = _mm256_mul_ps(x, x);
  __m256 c = _mm256_set1_ps(2.4372266125283204019069671630859375e-05f);
  horner(&c, x2, -0.00138865201734006404876708984375f);
  horner(&c, x2, 0.041666619479656219482421875f);
  horner(&c, x2, -0.5f);
  horner(&c, x2, 1.0f);
  __m256 s = _mm256_set1_ps(-0.0001959234114083702898469196984621021329076029360294342041015625f);
  horner(&s, x2, 0.0083326873655616851693794799871284340042620897293090820312500000f);
  horner(&s, x2, -0.1666666203982298255503735617821803316473960876464843750000000000f);
  s = _mm256_mul_ps(s, x2);
  s = _mm256_add_ps(_mm256_mul_ps(s, x), x);
  _mm256_storeu_ps(out, _mm256_xor_ps(_mm256_blendv_ps(c, s, even), sign));
  return !huge;
}

__attribute__((target("avx2"))) void snake_avx2(float* x, size_t steps, size_t channels,
                                                const float* alpha, const float* inv_alpha) {
  for (size_t t = 0; t < steps; ++t) {
    float* row = x + t * channels;
    size_t c = 0;
    alignas(32) float m[8], sines[8];
    for (; c + 8 <= channels; c += 8) {
      const __m256 v = _mm256_loadu_ps(row + c);
      _mm256_store_ps(m, _mm256_mul_ps(_mm256_loadu_ps(alpha + c), v));
      if (!sin8(m, sines)) {
        for (size_t l = 0; l < 8; ++l) sines[l] = sin_cos<true>(m[l]);
      }
      const __m256 s = _mm256_load_ps(sines);
      const __m256 r = _mm256_mul_ps(_mm256_loadu_ps(inv_alpha + c), _mm256_mul_ps(s, s));
      _mm256_storeu_ps(row + c, _mm256_add_ps(v, r));
    }
    for (; c < channels; ++c) {
      const float s = sin_cos<true>(alpha[c] * row[c]);
      row[c] = row[c] + inv_alpha[c] * (s * s);
    }
  }
}

}  // namespace

float onnx_sin(float x) { return sin_cos<true>(x); }
float onnx_cos(float x) { return sin_cos<false>(x); }

void onnx_snake(float* x, size_t steps, size_t channels, const float* alpha,
                const float* inv_alpha) {
  if (__builtin_cpu_supports("avx2")) {
    snake_avx2(x, steps, channels, alpha, inv_alpha);
    return;
  }
  for (size_t i = 0; i < steps * channels; ++i) {
    const size_t c = i % channels;
    const float s = sin_cos<true>(alpha[c] * x[i]);
    x[i] = x[i] + inv_alpha[c] * (s * s);
  }
}

}  // namespace stream_tts::kokoro
