// ONNX Runtime's ConvInteger for 1-D convolutions, with the int8 graph's bias handling: the input is
// quantised per tensor to uint8 (DynamicQuantizeLinear), convolved with the uint8 weight (per
// tensor zero point) in exact int32 — padding contributes nothing (ORT pads with the input's zero
// point) — and the float bias joins in int32 as floor(bias / (x_scale · w_scale)) before the sum is
// cast to float and multiplied by x_scale · w_scale (the graph's Div → Floor → Cast → Add → Cast →
// Mul chain). Any stride and dilation, group 1.
//
// Layout: time-major, [steps x channels] (row t = time step t); the graph's [channels x steps]
// transposed. Read-only after construction. The int32 sums run on int8_conv_kernel.h's AVX-512 VNNI
// or AVX2 kernel when the CPU has one (no im2col copy), else on an unrolled [in·k, out] product.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "tts/kokoro/int8_conv_kernel.h"
#include "tts/kokoro/kokoro_weights.h"
#include "tts/kokoro/quantized_ops.h"

namespace stream_tts::kokoro {

class QuantizedConv1d {
 public:
  QuantizedConv1d() = default;
  // From a mapped ConvInteger weight [out, in, k] (uint8, per-tensor scale and zero point) and its
  // optional float bias [out]. Throws Error(kDataError) when the shapes do not fit.
  QuantizedConv1d(const Param& weight, const Param* bias, size_t padding, size_t dilation = 1,
                  size_t stride = 1);
  // From centred weights (w - zero point) [out][in][k], one scale, `bias` [out] or empty.
  QuantizedConv1d(size_t in, size_t out, size_t kernel, std::span<const int16_t> centred,
                  float w_scale, std::vector<float> bias, size_t padding, size_t dilation = 1,
                  size_t stride = 1);

  size_t in_channels() const { return in_; }
  size_t out_channels() const { return out_; }
  // (steps + 2·padding - dilation·(kernel - 1) - 1) / stride + 1, or 0 when steps are too few
  size_t output_steps(size_t steps) const;

  // x: [steps x in] → y: [output_steps x out]. `y` is resized.
  void forward(std::span<const float> x, size_t steps, std::vector<float>* y) const;
  // The same on an input already quantised (several convolutions of one tensor share it).
  void forward(const QuantizedActivations& xq, size_t steps, std::vector<float>* y) const;

 private:
  void init(std::span<const int16_t> centred);
  // The int32 sums through the unrolled [in·k, out] product (below AVX2).
  void unrolled_accumulate(const QuantizedActivations& xq, size_t steps,
                           std::vector<int32_t>* acc) const;
  size_t in_ = 0, out_ = 0, kernel_ = 0, padding_ = 0, dilation_ = 1, stride_ = 1;
  float w_scale_ = 1.0f;
  std::vector<float> bias_;
  Int8ConvKernel fast_;       // packed for int8_level() at construction; empty below AVX2
  QuantizedLinear unrolled_;  // only when fast_ is empty: [in·k, out], row c·k + j = tap j of channel c
};

// ONNX LeakyRelu: x >= 0 ? x : alpha · x, in place.
void leaky_relu(std::span<float> x, float alpha);

}  // namespace stream_tts::kokoro
