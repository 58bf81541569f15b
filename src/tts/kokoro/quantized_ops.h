// The CPU kernels of Kokoro's front half, with ONNX Runtime's arithmetic for the operators the int8
// graph uses (docs/kokoro.md, "Operator semantics"): dynamic uint8 quantisation of activations,
// int8 matrix products with per-column weight scales, LayerNorm / SkipLayerNorm, FastGelu, softmax.
// They live beside the backend (not in src/nn) because they follow this one file's quantisation
// exactly; a second int8 model would move them to src/nn.
//
// Row-major float matrices throughout: [rows x cols], row r at data + r * cols.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "tts/kokoro/int8_conv_kernel.h"
#include "tts/kokoro/kokoro_weights.h"

namespace stream_tts::kokoro {

// DynamicQuantizeLinear: one scale and zero point for the whole tensor, the range widened to
// include 0; q = clamp(round_half_even(x / scale) + zp, 0, 255).
struct QuantizedActivations {
  std::vector<uint8_t> values;
  float scale = 1.0f;
  uint8_t zero_point = 0;
};
void dynamic_quantize_linear(std::span<const float> x, QuantizedActivations* out);

// A MatMulInteger weight ([in, out] int8 or uint8, per-column or per-tensor scale and zero point)
// with its float bias, prepared once for the best int8 level at construction (int8_level()): the
// AVX-512 VNNI or AVX2 kernel of int8_conv_kernel.h, else centred int16 values interleaved in pairs of
// inputs so that one SSE2 pmaddwd does two inputs of four outputs, else plain loops.
class QuantizedLinear {
 public:
  QuantizedLinear() = default;
  // `bias` may be null (then none is added). Throws Error(kDataError) when the shapes do not fit.
  QuantizedLinear(const Param& weight, const Param* bias);
  // From centred values: `centred` is [in][out] (w - w_zp, each within int16), `w_scale` has one
  // value per output or one for all, `bias` is [out] or empty. For weights that are no 2-D
  // MatMulInteger parameter: one direction of an LSTM's W / R, a convolution unrolled to [in*k, out].
  QuantizedLinear(size_t in, size_t out, std::span<const int16_t> centred,
                  std::span<const float> w_scale, std::vector<float> bias);

  size_t in_features() const { return in_; }
  size_t out_features() const { return out_; }

  // y[rows x out] = dequantised(x_q) · W · scales + bias, as ORT's MatMulInteger → Cast → Mul
  // (x_scale · w_scale[n], multiplied first) → Add. `y` is resized.
  void forward(const QuantizedActivations& x, size_t rows, std::vector<float>* y) const;
  // The same with the int32 products computed by plain loops: the reference the SIMD path is tested
  // against.
  void forward_reference(const QuantizedActivations& x, size_t rows, std::vector<float>* y) const;
  // The exact int32 products alone: acc[rows x out] = sum_k (x_q - x_zp)(w - w_zp). `acc` is
  // resized. For the operators that rescale or add in their own order (LSTM, ConvInteger).
  void accumulate(const QuantizedActivations& x, size_t rows, std::vector<int32_t>* acc) const;
  float weight_scale(size_t n) const { return w_scale_[n]; }

 private:
  void init(std::span<const int16_t> centred);  // builds pairs_ and fast_ or blocked_ from [in][out]
  void finish(const std::vector<int32_t>& acc, size_t rows, float x_scale,
              std::vector<float>* y) const;

  static constexpr size_t kBlock = 8;  // outputs per SIMD block
  size_t in_ = 0, out_ = 0;
  std::vector<int16_t> pairs_;  // [(in + 1) / 2][out][2]: w[2k][n] - zp[n], w[2k+1][n] - zp[n]
  std::vector<int16_t>
      blocked_;                 // [out / kBlock][(in + 1) / 2][kBlock][2]: the same, block by block
  Int8Level level_ = Int8Level::kPlain;  // int8_level() at construction
  Int8ConvKernel fast_;         // AVX2 and up: the product as a 1-tap convolution; else empty
  std::vector<float> w_scale_;  // [out]
  std::vector<float> bias_;     // [out] or empty
};

// y = LayerNorm(x (+ skip)) · gamma + beta over each row of `cols` values (ORT's LayerNormalization
// and SkipLayerNormalization, in their float arithmetic).
void layer_norm(std::span<const float> x, std::span<const float> skip, size_t cols,
                std::span<const float> gamma, std::span<const float> beta, float epsilon,
                std::vector<float>* y);

// ONNX LayerNormalization as onnxruntime 1.32 computes it on an AVX2 CPU (MLAS's LayerNorm kernel):
// mean from a double sum, variance from Σ(x − mean)² in float (8 lanes, fused multiply-adds),
// inv = 1 / sqrtf(var + epsilon), y = fma((x − mean) · inv, gamma, beta).
void layer_norm_onnx(std::span<const float> x, size_t cols, std::span<const float> gamma,
                     std::span<const float> beta, float epsilon, std::vector<float>* y);

// com.microsoft SkipLayerNormalization as onnxruntime 1.32 computes it: v = x + skip; mean and
// M2 by Welford's recurrence in float (d = v - mean; mean += d / k; M2 += d · (v - mean));
// y = (v - mean) / sqrtf(M2 / n + epsilon) · gamma + beta.
void skip_layer_norm_onnx(std::span<const float> x, std::span<const float> skip, size_t cols,
                          std::span<const float> gamma, std::span<const float> beta, float epsilon,
                          std::vector<float>* y);

// com.microsoft FastGelu with bias, in place: x = x + bias[col]; 0.5 x (1 + tanh(√(2/π)(x +
// 0.044715 x³))).
void fast_gelu(std::span<float> x, std::span<const float> bias);

// Softmax over each row of `cols` values, in place.
void softmax_rows(std::span<float> x, size_t cols);

}  // namespace stream_tts::kokoro
