#include "tts/kokoro/istft.h"

#include <cfloat>
#include <cmath>
#include <numbers>
#include <string>

#include "stream_tts/status.h"
#include "tts/kokoro/mlas_math.h"
#include "tts/kokoro/onnx_trig.h"

namespace stream_tts::kokoro {

namespace {

constexpr float kPi = 3.14159274f;  // the graph's float constant
constexpr size_t kPad = kStftFft / 2;

const nn::onnx::Tensor& initializer(const KokoroWeights& w, std::string_view name, size_t count) {
  const nn::onnx::Tensor* t = w.file().index().initializer(name);
  if (t == nullptr || t->data_type != nn::onnx::DataType::kFloat ||
      t->element_count() != static_cast<int64_t>(count)) {
    throw Error(StatusCode::kDataError,
                "Kokoro weights: the generator's '" + std::string(name) + "' is missing or not " +
                    std::to_string(count) + " floats");
  }
  return *t;
}

}  // namespace

namespace {

unsigned bit_reverse(size_t value, unsigned bits) {
  unsigned r = 0;
  for (unsigned b = 0; b < bits; ++b) r |= ((value >> b) & 1u) << (bits - 1 - b);
  return r;
}

constexpr unsigned kFftBits = 6;

}  // namespace

StftAnalysis::StftAnalysis(const KokoroWeights& w) {
  std::string_view window_name;
  for (const auto& node : w.file().graph().nodes) {
    if (node.op_type == "STFT" && node.inputs.size() > 2) window_name = node.inputs[2];
  }
  const std::vector<float> window = initializer(w, window_name, kStftFft).to_floats();
  for (size_t n = 0; n < kStftFft; ++n) window_[n] = window[n];
  // Every constant in float, each product rounded, as onnxruntime's template computes them.
  const auto pi = static_cast<float>(std::numbers::pi);
  const float tau = 2.0f * pi;
  const float step = -tau / static_cast<float>(kFftSize);
  for (size_t i = 0; i < kFftSize; ++i) {
    const float angle = static_cast<float>(i) * step;
    twiddle_[bit_reverse(i, kFftBits)] = {std::cos(angle), std::sin(angle)};
  }
  std::complex<float> b[kFftSize] = {};
  for (size_t n = 0; n < kStftFft; ++n) {
    const float exponent =
        -1.0f * pi * static_cast<float>(n) * static_cast<float>(n) / static_cast<float>(kStftFft);
    chirp_[n] = {std::cos(exponent), std::sin(exponent)};
    b[n] = std::conj(chirp_[n]);
  }
  for (size_t n = kFftSize - kStftFft + 1; n < kFftSize; ++n) b[n] = b[kFftSize - n];
  fft(b, false);
  for (size_t i = 0; i < kFftSize; ++i) chirp_fft_[i] = b[i];
}

void StftAnalysis::fft(std::complex<float>* x, bool inverse) const {
  std::complex<float> y[kFftSize];
  const std::complex<float> one(1.0f, 0.0f);
  for (size_t i = 0; i < kFftSize; ++i) y[i] = one * x[bit_reverse(i, kFftBits)] * one;
  unsigned bits = 0;
  for (size_t size = 2; size <= kFftSize; size <<= 1) {
    const size_t half = size >> 1;
    ++bits;
    for (size_t k = 0; k < half; ++k) {
      const std::complex<float> w1 = twiddle_[bit_reverse(k, bits)];
      const std::complex<float> w2 = twiddle_[bit_reverse(half + k, bits)];
      for (size_t j = 0; j < kFftSize; j += size) {
        const std::complex<float> even = y[k + j], odd = y[k + j + half];
        y[k + j] = even + w1 * odd;
        y[k + j + half] = even + w2 * odd;
      }
    }
  }
  if (inverse) {
    for (auto& v : y) v /= static_cast<float>(kFftSize);
  }
  for (size_t i = 0; i < kFftSize; ++i) x[i] = y[i];
}

std::vector<float> StftAnalysis::forward(std::span<const float> samples) const {
  const size_t n = samples.size(), frames = StftAnalysis::frames(n);
  std::vector<float> har(frames * kStftChannels);
  if (n < kPad + 1) return har;  // reflection needs more samples than the pad
  auto padded = [&](size_t i) {  // reflection pad of kPad on both sides
    const auto j = static_cast<std::ptrdiff_t>(i) - static_cast<std::ptrdiff_t>(kPad);
    const auto last = static_cast<std::ptrdiff_t>(n) - 1;
    const std::ptrdiff_t r = j < 0 ? -j : (j > last ? 2 * last - j : j);
    return samples[static_cast<size_t>(r)];
  };
  std::complex<float> a[kFftSize];
  for (size_t f = 0; f < frames; ++f) {
    // Bluestein: a = x · window · chirp, convolved with the conjugate chirp through the FFT.
    for (size_t i = 0; i < kFftSize; ++i) a[i] = {0.0f, 0.0f};
    for (size_t i = 0; i < kStftFft; ++i) {
      a[i] = std::complex<float>(padded(f * kStftHop + i));
      a[i] *= window_[i];
      a[i] *= chirp_[i];
    }
    fft(a, false);
    for (size_t i = 0; i < kFftSize; ++i) a[i] *= chirp_fft_[i];
    fft(a, true);
    float* out = har.data() + f * kStftChannels;
    for (size_t k = 0; k < kStftBins; ++k) {
      const std::complex<float> c = k == 0 ? a[0] : a[kFftSize - k];
      const std::complex<float> bin = c * chirp_[k] * 1.0f;
      const float fre = bin.real(), fim = bin.imag();
      out[k] = std::sqrt(fre * fre + fim * fim);
      const float phase = std::atan(fim / fre);
      out[kStftBins + k] = fre < 0.0f ? (fim > 0.0f ? phase + kPi : phase - kPi) : phase;
    }
  }
  return har;
}

IstftSynthesis::IstftSynthesis(const KokoroWeights& w) {
  const std::vector<float> basis =
      initializer(w, "decoder.decoder.generator.stft.istft.stft.inverse_basis",
                  kStftChannels * kStftFft)
          .to_floats();
  for (size_t c = 0; c < kStftChannels; ++c)
    for (size_t j = 0; j < kStftFft; ++j) basis_[c][j] = basis[c * kStftFft + j];
  const std::vector<float> window_sum =
      initializer(w, "decoder.decoder.generator.stft.istft.stft.window_sum", kStftFft).to_floats();
  for (size_t j = 0; j < kStftFft; ++j) window_sum_[j] = window_sum[j];
}

std::vector<float> IstftSynthesis::forward(std::span<const float> spec, size_t frames) const {
  if (frames == 0) return {};
  // re/im per frame: Exp, Sin, then Cos/Sin of that phase and the two products.
  std::vector<float> parts(frames * kStftChannels);
  for (size_t f = 0; f < frames; ++f) {
    const float* in = spec.data() + f * kStftChannels;
    float* out = parts.data() + f * kStftChannels;
    for (size_t k = 0; k < kStftBins; ++k) {
      const float magnitude = mlas_exp(in[k]);
      const float phase = onnx_sin(in[kStftBins + k]);
      out[k] = magnitude * onnx_cos(phase);
      out[kStftBins + k] = magnitude * onnx_sin(phase);
    }
  }
  // ConvTranspose (22 → 1, k 20, stride 5): per frame the 20 taps' sums over the 22 channels (the
  // GEMM: one MLAS slice, a chain of fused multiply-adds), then added into the output tap by tap.
  const size_t length = kStftHop * (frames - 1) + kStftFft;
  std::vector<float> columns(frames * kStftFft);
  for (size_t f = 0; f < frames; ++f) {
    const float* in = parts.data() + f * kStftChannels;
    for (size_t j = 0; j < kStftFft; ++j) {
      float acc = 0.0f;
      for (size_t c = 0; c < kStftChannels; ++c) acc = std::fma(in[c], basis_[c][j], acc);
      columns[f * kStftFft + j] = acc;
    }
  }
  // onnxruntime's col2im order: tap by tap, each over all frames.
  std::vector<float> full(length, 0.0f);
  for (size_t j = 0; j < kStftFft; ++j)
    for (size_t f = 0; f < frames; ++f) full[f * kStftHop + j] += columns[f * kStftFft + j];
  for (size_t j = 0; j < kStftFft && j < length; ++j) {
    if (window_sum_[j] > FLT_MIN) full[j] /= window_sum_[j];
  }
  const size_t samples = length - 2 * kPad;
  std::vector<float> audio(samples);
  for (size_t i = 0; i < samples; ++i) audio[i] = full[kPad + i] * 4.0f;
  return audio;
}

}  // namespace stream_tts::kokoro
