// The generator's float convolutions (its ConvIntegers, the strided `noise_convs.0` included, are
// QuantizedConv1d): the upsamplers `ups.0/1` (ConvTranspose) and `conv_post` (Conv).
//
// The float convolutions follow onnxruntime's arithmetic bit for bit: a matrix product in MLAS
// SGEMM's order (the reduction in slices of 128, each a chain of fused multiply-adds from zero, the
// slices added in order), then col2im tap by tap (ConvTranspose) or nothing (Conv, im2col first),
// then the bias (docs/kokoro.md, the generator's parity table).
//
// Layout: time-major [steps x channels]. Read-only after construction.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "tts/kokoro/kokoro_weights.h"

namespace stream_tts::kokoro {

// ConvTranspose1d(in, out, kernel, stride, padding), group 1, float. Weight [in, out, k].
class FloatConvTranspose1d {
 public:
  FloatConvTranspose1d() = default;
  FloatConvTranspose1d(const Param& weight, const Param& bias, size_t stride, size_t padding);
  size_t in_channels() const { return in_; }
  size_t out_channels() const { return out_; }
  // (steps − 1)·stride − 2·padding + kernel
  size_t output_steps(size_t steps) const;
  // x: [steps x in] → [output_steps x out]
  std::vector<float> forward(std::span<const float> x, size_t steps) const;

 private:
  size_t in_ = 0, out_ = 0, kernel_ = 0, stride_ = 1, padding_ = 0;
  std::vector<float> weight_;  // [in][k][out]
  std::vector<float> bias_;
};

// Conv1d(in, out, kernel, padding), stride 1, float. Weight [out, in, k].
class FloatConv1d {
 public:
  FloatConv1d() = default;
  FloatConv1d(const Param& weight, const Param& bias, size_t padding);
  size_t out_channels() const { return out_; }
  // x: [steps x in] → [steps + 2·padding − kernel + 1 x out]
  std::vector<float> forward(std::span<const float> x, size_t steps) const;

 private:
  size_t in_ = 0, out_ = 0, kernel_ = 0, padding_ = 0;
  std::vector<float> weight_;  // [in·k][out]: row c·k + j
  std::vector<float> bias_;
};

}  // namespace stream_tts::kokoro
