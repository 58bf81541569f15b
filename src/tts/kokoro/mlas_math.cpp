#include "tts/kokoro/mlas_math.h"

#include <algorithm>
#include <cmath>

namespace stream_tts::kokoro {

// std::fma is exact (one rounding) whether the compiler emits the instruction or calls libm, so
// these match MLAS's vfmadd sequences on any x86-64 build.
float mlas_logistic(float x) {
  x = std::min(18.0f, std::max(-18.0f, x));
  const float x2 = x * x;
  float p = std::fma(x2, 4.37031012579801e-11f, 1.15627324459942e-07f);
  p = std::fma(x2, p, 6.08574864600143e-05f);
  p = std::fma(x2, p, 8.51377133304701e-03f);
  p = std::fma(x2, p, 2.48287947061529e-01f);
  float q = std::fma(x2, 6.10247389755681e-13f, 5.76102136993427e-09f);
  q = std::fma(x2, q, 6.29106785017040e-06f);
  q = std::fma(x2, q, 1.70198817374094e-03f);
  q = std::fma(x2, q, 1.16817656904453e-01f);
  q = std::fma(x2, q, 9.93151921023180e-01f);
  p = x * p;
  return std::max(0.0f, p / q + 0.5f);
}

float mlas_tanh(float x) {
  x = std::min(9.0f, std::max(-9.0f, x));
  const float x2 = x * x;
  float p = std::fma(x2, -2.76076847742355e-16f, 2.00018790482477e-13f);
  p = std::fma(p, x2, -8.60467152213735e-11f);
  p = std::fma(p, x2, 5.12229709037114e-08f);
  p = std::fma(p, x2, 1.48572235717979e-05f);
  p = std::fma(p, x2, 6.37261928875436e-04f);
  p = std::fma(p, x2, 4.89352455891786e-03f);
  p = p * x;
  float q = std::fma(x2, 1.19825839466702e-06f, 1.18534705686654e-04f);
  q = std::fma(q, x2, 2.26843463243900e-03f);
  q = std::fma(q, x2, 4.89352518554385e-03f);
  return p / q;
}

float mlas_exp(float x) {
  x = std::max(-103.9720840454f, x);
  constexpr float kRoundingBias = 12582912.0f;  // 1.5 · 2^23: adding it rounds to an integer
  const float n = std::fma(x, 1.44269504088896341f, kRoundingBias) - kRoundingBias;
  x = std::fma(n, -6.93145752e-1f, x);  // x - n · ln 2, in two parts
  x = std::fma(n, -1.42860677e-6f, x);
  float p = 0x1.694000p-10f;
  p = std::fma(p, x, 0x1.125edcp-7f);
  p = std::fma(p, x, 0x1.555b5ap-5f);
  p = std::fma(p, x, 0x1.555450p-3f);
  p = std::fma(p, x, 0x1.fffff6p-2f);
  p = std::fma(p, x, 1.0f);
  p = std::fma(p, x, 1.0f);
  return std::ldexp(p, static_cast<int>(n));  // vscalefps
}

namespace {

// MLAS's FMA3 sum-of-exp kernel (CPUs without AVX-512F) clamps its argument at -88.376 instead, so that
// 2^n stays a normal float; otherwise its exp is mlas_exp's.
float mlas_exp_fma3_sum(float x) { return mlas_exp(std::max(-88.3762626647949f, x)); }

// Lane j of kLanes accumulates elements j, j + kLanes, ... in order; the lanes are then reduced as the
// kernel's shuffles do: AVX-512F folds the upper 8 lanes onto the lower 8 first, FMA3 goes straight to
// the pairwise tree ((a0+a1)+(a2+a3)) + ((a4+a5)+(a6+a7)).
template <size_t kLanes, float (*Exp)(float)>
void softmax_rows(std::span<float> x, size_t cols) {
  for (size_t start = 0; start + cols <= x.size() && cols > 0; start += cols) {
    float* row = x.data() + start;
    const float negative_max = -*std::max_element(row, row + cols);
    float acc[kLanes] = {};
    for (size_t i = 0; i < cols; ++i) {
      row[i] = Exp(row[i] + negative_max);
      acc[i % kLanes] += row[i];
    }
    float half[8];
    for (size_t j = 0; j < 8; ++j) half[j] = kLanes == 16 ? acc[j + 8] + acc[j] : acc[j];
    const float sum = ((half[0] + half[1]) + (half[2] + half[3])) +
                      ((half[4] + half[5]) + (half[6] + half[7]));
    const float inverse = 1.0f / sum;
    for (size_t i = 0; i < cols; ++i) row[i] *= inverse;
  }
}

bool cpu_has_avx512f() {
#if defined(__x86_64__) || defined(__i386__)
  static const bool has = __builtin_cpu_supports("avx512f");
  return has;
#else
  return false;
#endif
}

}  // namespace

void mlas_softmax_rows(std::span<float> x, size_t cols, MlasSoftmaxPath path) {
  if (path == MlasSoftmaxPath::kAuto) path = cpu_has_avx512f() ? MlasSoftmaxPath::kAvx512 : MlasSoftmaxPath::kFma3;
  if (path == MlasSoftmaxPath::kAvx512) {
    softmax_rows<16, mlas_exp>(x, cols);
  } else {
    softmax_rows<8, mlas_exp_fma3_sum>(x, cols);
  }
}

void mlas_logistic(std::span<float> x) {
  for (float& v : x) v = mlas_logistic(v);
}

void mlas_tanh(std::span<float> x) {
  for (float& v : x) v = mlas_tanh(v);
}

}  // namespace stream_tts::kokoro
