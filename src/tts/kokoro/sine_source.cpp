#include "tts/kokoro/sine_source.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "stream_tts/status.h"
#include "tts/kokoro/mlas_math.h"
#include "tts/kokoro/module_params.h"
#include "tts/kokoro/onnx_trig.h"

namespace stream_tts::kokoro {

namespace {
constexpr float kSampleRate = 24000.0f;
constexpr float kPi = 3.14159274f;  // the graph's float constant
constexpr float kAmplitude = 0.1f;
constexpr float kVoicedThreshold = 10.0f;
constexpr float kDownScale = 0.0033333334f;  // the graph's Resize scale, float(1 / 300)
}  // namespace

void resize_linear_rows(std::span<const float> in, size_t rows, size_t w_in, float scale,
                        size_t w_out, std::vector<float>* out) {
  out->assign(rows * w_out, 0.0f);
  if (w_in == 0) return;
  // Weights along the row: onnxruntime's SetupUpsampleLinear (dx1 to the left neighbour, dx2 to the
  // right one; 0.5 each where both are the same sample).
  std::vector<size_t> x1(w_out), x2(w_out);
  std::vector<float> dx1(w_out), dx2(w_out);
  const float last = static_cast<float>(w_in - 1);
  for (size_t x = 0; x < w_out; ++x) {
    float in_x = (static_cast<float>(x) + 0.5f) / scale - 0.5f;
    in_x = std::max(0.0f, std::min(in_x, last));
    x1[x] = std::min(static_cast<size_t>(in_x), w_in - 1);
    x2[x] = std::min(x1[x] + 1, w_in - 1);
    if (x1[x] == x2[x]) {
      dx1[x] = dx2[x] = 0.5f;
    } else {
      dx1[x] = std::fabs(in_x - static_cast<float>(x1[x]));
      dx2[x] = std::fabs(in_x - static_cast<float>(x2[x]));
    }
  }
  constexpr float dz = 0.5f;  // depth axis of size 1: both depth neighbours are the same plane
  for (size_t y = 0; y < rows; ++y) {
    const size_t y2 = std::min(y + 1, rows - 1);
    const float dy1 = y2 == y ? 0.5f : 0.0f, dy2 = y2 == y ? 0.5f : 1.0f;
    const float* r1 = in.data() + y * w_in;
    const float* r2 = in.data() + y2 * w_in;
    float* o = out->data() + y * w_out;
    for (size_t x = 0; x < w_out; ++x) {
      const float x111 = r1[x1[x]], x211 = r1[x2[x]], x121 = r2[x1[x]], x221 = r2[x2[x]];
      const float a = dx2[x] * dy2 * dz * x111, b = dx1[x] * dy2 * dz * x211;
      const float c = dx2[x] * dy1 * dz * x121, d = dx1[x] * dy1 * dz * x221;
      o[x] = a + b + c + d + a + b + c + d;
    }
  }
}

SineSource::SineSource(const KokoroWeights& w) {
  const std::string m = "decoder.decoder.generator.m_source.l_linear";
  const std::vector<float> weight = float_param(w, m, "weight", kHarmonics);
  std::copy(weight.begin(), weight.end(), weight_);
  bias_ = float_param(w, m, "bias", 1)[0];
}

std::vector<float> SineSource::forward(std::span<const float> f0, std::vector<float>* sines) const {
  const size_t frames = f0.size(), samples = frames * kUpsample;
  // rad = frac(f0_up · h / 24000), [9 x samples] as the graph holds it.
  std::vector<float> rad(kHarmonics * samples);
  for (size_t h = 0; h < kHarmonics; ++h) {
    const auto harmonic = static_cast<float>(h + 1);
    for (size_t t = 0; t < samples; ++t) {
      const float r = f0[t / kUpsample] * harmonic / kSampleRate;
      rad[h * samples + t] = r - std::floor(r);
    }
  }
  std::vector<float> down;
  resize_linear_rows(rad, kHarmonics, samples, kDownScale, frames, &down);
  // CumSum over frames, then · 2 · π · 300 (three float products, the graph's order).
  for (size_t h = 0; h < kHarmonics; ++h) {
    float sum = 0.0f;
    for (size_t f = 0; f < frames; ++f) {
      float& v = down[h * frames + f];
      sum = f == 0 ? v : sum + v;
      v = sum * 2.0f * kPi * static_cast<float>(kUpsample);
    }
  }
  std::vector<float> phase;
  resize_linear_rows(down, kHarmonics, frames, static_cast<float>(kUpsample), samples, &phase);
  if (sines != nullptr) sines->assign(samples * kHarmonics, 0.0f);
  std::vector<float> source(samples);
  for (size_t t = 0; t < samples; ++t) {
    const float voiced = f0[t / kUpsample] > kVoicedThreshold ? 1.0f : 0.0f;
    // MatMul (9 → 1) as MLAS's kernel accumulates: fused multiply-adds from zero, k ascending.
    float acc = 0.0f;
    for (size_t h = 0; h < kHarmonics; ++h) {
      const float s = onnx_sin(phase[h * samples + t]) * kAmplitude * voiced;
      if (sines != nullptr) (*sines)[t * kHarmonics + h] = s;
      acc = std::fma(s, weight_[h], acc);
    }
    source[t] = mlas_tanh(bias_ + acc);
  }
  return source;
}

}  // namespace stream_tts::kokoro
