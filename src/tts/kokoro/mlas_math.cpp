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

void mlas_logistic(std::span<float> x) {
  for (float& v : x) v = mlas_logistic(v);
}

void mlas_tanh(std::span<float> x) {
  for (float& v : x) v = mlas_tanh(v);
}

}  // namespace stream_tts::kokoro
