// How close two 24 kHz waveforms sound: the SNR of their mel power spectrograms (80 mel bands, n_fft
// 1024, hop 256, Hann window; SNR = 10 log10(Σ ref² / Σ (ref − ours)²) over all mel values). Used by
// the Kokoro parity and streaming checks (issue 6: ≥ 30 dB). Header-only, for tests and benchmarks.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numbers>
#include <span>
#include <vector>

namespace stream_tts::test {

// Mel power spectrogram: Hann-windowed frames of 1024 (no centring: frames that fit), power of the
// DFT's 513 bins, 80 triangular filters on the HTK mel scale from 0 to 12 kHz. [frames x 80].
inline std::vector<double> mel_power(std::span<const float> audio) {
  constexpr size_t kFft = 1024, kHop = 256, kBins = kFft / 2 + 1, kMels = 80;
  constexpr double kRate = 24000.0;
  auto mel = [](double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); };
  auto hz = [](double m) { return 700.0 * (std::pow(10.0, m / 2595.0) - 1.0); };
  std::vector<double> edges(kMels + 2);
  for (size_t i = 0; i < edges.size(); ++i)
    edges[i] = hz(mel(kRate / 2) * static_cast<double>(i) / (kMels + 1));
  std::vector<double> filters(kMels * kBins, 0.0);
  for (size_t m = 0; m < kMels; ++m) {
    for (size_t b = 0; b < kBins; ++b) {
      const double f = kRate * static_cast<double>(b) / kFft;
      const double up = (f - edges[m]) / (edges[m + 1] - edges[m]);
      const double down = (edges[m + 2] - f) / (edges[m + 2] - edges[m + 1]);
      filters[m * kBins + b] = std::max(0.0, std::min(up, down));
    }
  }
  std::vector<double> window(kFft), cosines(kFft), sines(kFft);
  for (size_t i = 0; i < kFft; ++i) {
    const double a = 2.0 * std::numbers::pi * static_cast<double>(i) / kFft;
    window[i] = 0.5 - 0.5 * std::cos(a);
    cosines[i] = std::cos(a);
    sines[i] = std::sin(a);
  }
  std::vector<double> out, frame(kFft), power(kBins);
  for (size_t start = 0; start + kFft <= audio.size(); start += kHop) {
    for (size_t i = 0; i < kFft; ++i) frame[i] = audio[start + i] * window[i];
    for (size_t b = 0; b < kBins; ++b) {
      double re = 0, im = 0;
      for (size_t i = 0; i < kFft; ++i) {
        const size_t k = (b * i) % kFft;
        re += frame[i] * cosines[k];
        im -= frame[i] * sines[k];
      }
      power[b] = re * re + im * im;
    }
    for (size_t m = 0; m < kMels; ++m) {
      double v = 0;
      for (size_t b = 0; b < kBins; ++b) v += filters[m * kBins + b] * power[b];
      out.push_back(v);
    }
  }
  return out;
}

// 10 log10(Σ ref² / Σ (ref − ours)²) over the values both have.
inline double snr_db(const std::vector<double>& ref, const std::vector<double>& ours) {
  double signal = 0, noise = 0;
  for (size_t i = 0; i < ref.size() && i < ours.size(); ++i) {
    signal += ref[i] * ref[i];
    noise += (ref[i] - ours[i]) * (ref[i] - ours[i]);
  }
  return 10.0 * std::log10(signal / std::max(noise, 1e-300));
}

inline double mel_snr_db(std::span<const float> ref, std::span<const float> ours) {
  return snr_db(mel_power(ref), mel_power(ours));
}

}  // namespace stream_tts::test
