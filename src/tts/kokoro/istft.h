// The generator's two spectral transforms (n_fft 20, hop 5, 11 bins), as the exported graph computes
// them.
//
// StftAnalysis — the source's spectrum, `har`: reflection pad 10 on both sides, ONNX STFT (the
// graph's 20-value Hann window constant, onesided), then magnitude sqrt(re² + im²) and the phase
// the graph builds from Atan: atan(im / re), ± π where re < 0 (+ π when im > 0, − π otherwise —
// so −π, not atan2's +π, for a negative real part with zero imaginary part).
// The 20-point DFT follows onnxruntime 1.32's arithmetic for a length that is no power of two:
// Bluestein's chirp-z algorithm in std::complex<float> — chirp exp(−iπn²/20), a 64-point radix-2
// FFT with its float twiddles (the inverse reuses the forward table and reads the result reversed).
// Its rounding noise decides the sign of the DC and Nyquist bins' imaginary parts, and so whether
// their phase is +π or −π; an exact DFT gives −π where onnxruntime mostly gives +π, a difference of
// 2π in 1/22 of the noise convolutions' input (docs/kokoro.md, the generator's parity table).
//
// IstftSynthesis — the audio from conv_post's 22 channels (Exp as MLAS computes it, Sin and Cos as
// onnxruntime's Eigen kernels, onnx_trig.h): magnitude exp(c[0:11]), phase
// sin(c[11:22]); re = mag·cos(phase), im = mag·sin(phase); ConvTranspose (stride 5) with the graph's
// inverse basis [22, 1, 20]; the first 20 samples (the export traced a 20-value window_sum)
// divided by window_sum where it is > FLT_MIN; · 4 (n_fft / hop); 10 samples cut at both ends.
//
// Layout: time-major; har and the spectrum are [frames x 22] (11 magnitudes, then 11 phases).
// Read-only after construction; both may run on several threads at once.
#pragma once

#include <complex>
#include <cstddef>
#include <span>
#include <vector>

#include "tts/kokoro/kokoro_weights.h"

namespace stream_tts::kokoro {

inline constexpr size_t kStftFft = 20;
inline constexpr size_t kStftHop = 5;
inline constexpr size_t kStftBins = kStftFft / 2 + 1;  // 11
inline constexpr size_t kStftChannels = 2 * kStftBins;  // 22

class StftAnalysis {
 public:
  // Throws Error(kDataError) when the graph has no STFT node with a 20-value window.
  explicit StftAnalysis(const KokoroWeights& weights);
  // samples → [samples / 5 + 1 frames x 22]
  std::vector<float> forward(std::span<const float> samples) const;
  static size_t frames(size_t samples) { return samples / kStftHop + 1; }

 private:
  static constexpr size_t kFftSize = 64;  // the power of two >= 2·20 − 1
  // x: [kFftSize] in place; onnxruntime's radix-2 loop (bit-reversed load, twiddles twiddle_).
  void fft(std::complex<float>* x, bool inverse) const;

  float window_[kStftFft] = {};
  std::complex<float> chirp_[kStftFft];
  std::complex<float> chirp_fft_[kFftSize];  // FFT of the conjugate chirp, wrapped
  std::complex<float> twiddle_[kFftSize];    // forward twiddles, bit-reversed order
};

class IstftSynthesis {
 public:
  // Throws Error(kDataError) when the inverse basis [22, 1, 20] or window_sum [20] is missing.
  explicit IstftSynthesis(const KokoroWeights& weights);
  // spec: conv_post's output [frames x 22] → 5·(frames − 1) samples.
  std::vector<float> forward(std::span<const float> spec, size_t frames) const;

 private:
  float basis_[kStftChannels][kStftFft] = {};  // [channel][tap]
  float window_sum_[kStftFft] = {};
};

}  // namespace stream_tts::kokoro
