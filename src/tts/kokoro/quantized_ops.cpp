#include "tts/kokoro/quantized_ops.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "stream_tts/status.h"
#include "tts/kokoro/int8_conv_levels.h"
#include "tts/kokoro/mlas_math.h"

namespace stream_tts::kokoro {

void dynamic_quantize_linear(std::span<const float> x, QuantizedActivations* out) {
  // AVX-512: the same two passes 16 lanes at a time, bit for bit (int8_conv_levels.h).
  const bool wide = int8_level() >= Int8Level::kAvx512Vnni;
  float lo = 0.0f, hi = 0.0f;  // the range always includes 0
  if (wide) {
    int8_detail::quantize_range_avx512(x.data(), x.size(), &lo, &hi);
  } else {
    for (float v : x) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  // ORT: scale = (max - min) / 255, zero point = round_half_even(clamp(0 - min / scale, 0, 255)).
  // An all-zero tensor has no range; any scale gives q = zp = 0 then.
  const float scale = hi > lo ? (hi - lo) / 255.0f : 1.0f;
  const float zp = std::nearbyint(std::clamp(0.0f - lo / scale, 0.0f, 255.0f));
  out->scale = scale;
  out->zero_point = static_cast<uint8_t>(zp);
  out->values.resize(x.size());
  if (wide) {
    int8_detail::quantize_codes_avx512(x.data(), x.size(), scale, zp, out->values.data());
    return;
  }
  for (size_t i = 0; i < x.size(); ++i) {
    // MLAS divides (not multiplies by 1/scale) and rounds half to even (the default rounding mode).
    const float q = std::nearbyint(x[i] / scale) + zp;
    out->values[i] = static_cast<uint8_t>(std::clamp(q, 0.0f, 255.0f));
  }
}

QuantizedLinear::QuantizedLinear(const Param& weight, const Param* bias) {
  const nn::onnx::Tensor& w = *weight.tensor;
  const bool int8 = w.data_type == nn::onnx::DataType::kInt8;
  if (w.dims.size() != 2 || weight.scale == nullptr || weight.zero_point == nullptr ||
      (!int8 && w.data_type != nn::onnx::DataType::kUint8)) {
    throw Error(StatusCode::kDataError,
                "tensor '" + std::string(w.name) + "' is not a quantised [in, out] matrix");
  }
  in_ = static_cast<size_t>(w.dims[0]);
  out_ = static_cast<size_t>(w.dims[1]);
  const size_t scales = static_cast<size_t>(weight.scale->element_count());
  const size_t zps = static_cast<size_t>(weight.zero_point->element_count());
  if ((scales != 1 && scales != out_) || (zps != 1 && zps != out_)) {
    throw Error(StatusCode::kDataError,
                "tensor '" + std::string(w.name) +
                    "': scale or zero point is neither per tensor nor per column");
  }
  w_scale_.resize(out_);
  std::vector<int16_t> zero(out_);
  for (size_t n = 0; n < out_; ++n) {
    w_scale_[n] = static_cast<float>(weight.scale->as_double(scales == 1 ? 0 : n));
    zero[n] = static_cast<int16_t>(weight.zero_point->as_double(zps == 1 ? 0 : n));
  }
  const uint8_t* raw = w.bytes().data();
  std::vector<int16_t> centred(in_ * out_);
  for (size_t k = 0; k < in_; ++k) {
    for (size_t n = 0; n < out_; ++n) {
      const uint8_t b = raw[k * out_ + n];
      centred[k * out_ + n] = static_cast<int16_t>(
          (int8 ? static_cast<int16_t>(static_cast<int8_t>(b)) : static_cast<int16_t>(b)) -
          zero[n]);
    }
  }
  init(centred);
  if (bias != nullptr) {
    bias_ = bias->tensor->to_floats();
    if (bias_.size() != out_)
      throw Error(StatusCode::kDataError,
                  "bias '" + std::string(bias->tensor->name) + "' does not fit its weight");
  }
}

QuantizedLinear::QuantizedLinear(size_t in, size_t out, std::span<const int16_t> centred,
                                 std::span<const float> w_scale, std::vector<float> bias)
    : in_(in), out_(out), bias_(std::move(bias)) {
  if (centred.size() != in * out || (w_scale.size() != 1 && w_scale.size() != out) ||
      (!bias_.empty() && bias_.size() != out)) {
    throw Error(StatusCode::kDataError, "quantised weight: shapes do not fit");
  }
  w_scale_.resize(out_);
  for (size_t n = 0; n < out_; ++n) w_scale_[n] = w_scale[w_scale.size() == 1 ? 0 : n];
  init(centred);
}

void QuantizedLinear::init(std::span<const int16_t> centred) {
  auto value = [&](size_t k, size_t n) -> int16_t {
    return k < in_ ? centred[k * out_ + n] : int16_t{0};  // 0: the odd input's partner
  };
  const size_t k_pairs = (in_ + 1) / 2;
  pairs_.resize(k_pairs * out_ * 2);
  for (size_t kp = 0; kp < k_pairs; ++kp) {
    for (size_t n = 0; n < out_; ++n) {
      pairs_[(kp * out_ + n) * 2] = value(2 * kp, n);
      pairs_[(kp * out_ + n) * 2 + 1] = value(2 * kp + 1, n);
    }
  }
  level_ = int8_level();
  if (level_ >= Int8Level::kAvx2) {
    fast_ = Int8ConvKernel({in_, out_, 1, 1, 0, 1}, centred, level_);
    return;
  }
  // The SSE2 layout: blocks of kBlock outputs, within a block input pair by input pair.
  blocked_.resize((out_ / kBlock) * k_pairs * kBlock * 2);
  for (size_t nb = 0; nb < out_ / kBlock; ++nb) {
    for (size_t kp = 0; kp < k_pairs; ++kp) {
      for (size_t j = 0; j < kBlock * 2; ++j) {
        blocked_[(nb * k_pairs + kp) * kBlock * 2 + j] = pairs_[(kp * out_ + nb * kBlock) * 2 + j];
      }
    }
  }
}

void QuantizedLinear::forward(const QuantizedActivations& x, size_t rows,
                              std::vector<float>* y) const {
  std::vector<int32_t> acc;
  accumulate(x, rows, &acc);
  finish(acc, rows, x.scale, y);
}

void QuantizedLinear::accumulate(const QuantizedActivations& x, size_t rows,
                                 std::vector<int32_t>* acc_out) const {
  if (!fast_.empty()) {
    acc_out->resize(rows * out_);
    fast_.accumulate(x.values.data(), rows, x.zero_point, acc_out->data());
    return;
  }
  const size_t k_pairs = (in_ + 1) / 2;
  // Each row's centred activation pairs (a[2k], a[2k+1]) as the two int16 halves of one int32.
  std::vector<int32_t> a_pairs(rows * k_pairs);
  for (size_t r = 0; r < rows; ++r) {
    const uint8_t* a = x.values.data() + r * in_;
    for (size_t kp = 0; kp < k_pairs; ++kp) {
      const int32_t a0 = static_cast<int32_t>(a[2 * kp]) - x.zero_point;
      const int32_t a1 = 2 * kp + 1 < in_ ? static_cast<int32_t>(a[2 * kp + 1]) - x.zero_point : 0;
      a_pairs[r * k_pairs + kp] = static_cast<int32_t>((static_cast<uint32_t>(a1) << 16) |
                                                       (static_cast<uint32_t>(a0) & 0xFFFF));
    }
  }
  std::vector<int32_t>& acc = *acc_out;
  acc.assign(rows * out_, 0);
  size_t n_done = 0;
#if defined(__SSE2__)
  // Blocks of 4 rows x 8 outputs accumulate in registers over all inputs, reading the block's
  // weights contiguously (blocked_: 32 bytes per input pair). pmaddwd gives each 32-bit lane
  // a0 * w[2k][n] + a1 * w[2k+1][n], exactly (|a|, |w| <= 255).
  const size_t blocks = level_ >= Int8Level::kSse2 ? out_ / kBlock : 0;
  for (size_t nb = 0; nb < blocks; ++nb) {
    const int16_t* wb = blocked_.data() + nb * k_pairs * kBlock * 2;
    size_t r = 0;
    for (; r + 4 <= rows; r += 4) {
      __m128i c[4][2];
      for (auto& row : c) row[0] = row[1] = _mm_setzero_si128();
      const int32_t* ap = a_pairs.data() + r * k_pairs;
      for (size_t kp = 0; kp < k_pairs; ++kp) {
        const __m128i w0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(wb + kp * 16));
        const __m128i w1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(wb + kp * 16 + 8));
        for (size_t i = 0; i < 4; ++i) {
          const __m128i p = _mm_set1_epi32(ap[i * k_pairs + kp]);
          c[i][0] = _mm_add_epi32(c[i][0], _mm_madd_epi16(p, w0));
          c[i][1] = _mm_add_epi32(c[i][1], _mm_madd_epi16(p, w1));
        }
      }
      for (size_t i = 0; i < 4; ++i) {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(acc.data() + (r + i) * out_ + nb * kBlock),
                         c[i][0]);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(acc.data() + (r + i) * out_ + nb * kBlock + 4),
                         c[i][1]);
      }
    }
    for (; r < rows; ++r) {
      __m128i c0 = _mm_setzero_si128(), c1 = _mm_setzero_si128();
      for (size_t kp = 0; kp < k_pairs; ++kp) {
        const __m128i p = _mm_set1_epi32(a_pairs[r * k_pairs + kp]);
        c0 = _mm_add_epi32(
            c0, _mm_madd_epi16(p, _mm_loadu_si128(reinterpret_cast<const __m128i*>(wb + kp * 16))));
        c1 = _mm_add_epi32(
            c1,
            _mm_madd_epi16(p, _mm_loadu_si128(reinterpret_cast<const __m128i*>(wb + kp * 16 + 8))));
      }
      _mm_storeu_si128(reinterpret_cast<__m128i*>(acc.data() + r * out_ + nb * kBlock), c0);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(acc.data() + r * out_ + nb * kBlock + 4), c1);
    }
  }
  n_done = blocks * kBlock;
#endif
  // The outputs past the last whole block (all of them without SSE2).
  for (size_t r = 0; r < rows; ++r) {
    int32_t* out = acc.data() + r * out_;
    for (size_t kp = 0; kp < k_pairs; ++kp) {
      const int32_t pair = a_pairs[r * k_pairs + kp];
      const int32_t a0 = static_cast<int16_t>(pair & 0xFFFF), a1 = static_cast<int16_t>(pair >> 16);
      const int16_t* w = pairs_.data() + kp * out_ * 2;
      for (size_t n = n_done; n < out_; ++n) out[n] += a0 * w[2 * n] + a1 * w[2 * n + 1];
    }
  }
}

void QuantizedLinear::forward_reference(const QuantizedActivations& x, size_t rows,
                                        std::vector<float>* y) const {
  std::vector<int32_t> acc(rows * out_, 0);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t n = 0; n < out_; ++n) {
      int32_t sum = 0;
      for (size_t k = 0; k < in_; ++k) {
        const int32_t a = static_cast<int32_t>(x.values[r * in_ + k]) - x.zero_point;
        sum += a * pairs_[((k / 2) * out_ + n) * 2 + (k % 2)];
      }
      acc[r * out_ + n] = sum;
    }
  }
  finish(acc, rows, x.scale, y);
}

void QuantizedLinear::finish(const std::vector<int32_t>& acc, size_t rows, float x_scale,
                             std::vector<float>* y) const {
  y->resize(rows * out_);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t n = 0; n < out_; ++n) {
      const float factor = x_scale * w_scale_[n];  // the graph's Mul(x_scale, w_scale) comes first
      float v = static_cast<float>(acc[r * out_ + n]) * factor;
      if (!bias_.empty()) v = bias_[n] + v;
      (*y)[r * out_ + n] = v;
    }
  }
}

void layer_norm(std::span<const float> x, std::span<const float> skip, size_t cols,
                std::span<const float> gamma, std::span<const float> beta, float epsilon,
                std::vector<float>* y) {
  // ORT's LayerNormalization and SkipLayerNormalization kernels for float: float sums in element
  // order, variance as E[x²] - mean², a division by the deviation (not a multiplication by its
  // inverse). Each of these choices moves the result by an ulp, and an ulp moves the next dynamic
  // quantisation's codes (docs/kokoro.md, "Parity").
  const size_t rows = cols == 0 ? 0 : x.size() / cols;
  const auto n = static_cast<float>(cols);
  y->resize(rows * cols);
  for (size_t r = 0; r < rows; ++r) {
    float* out = y->data() + r * cols;
    float mean = 0.0f, mean_square = 0.0f;
    for (size_t c = 0; c < cols; ++c) {
      const float v = skip.empty() ? x[r * cols + c] : x[r * cols + c] + skip[r * cols + c];
      out[c] = v;
      mean += v;
      mean_square += v * v;
    }
    mean = mean / n;
    const float deviation = std::sqrt(mean_square / n - mean * mean + epsilon);
    for (size_t c = 0; c < cols; ++c) out[c] = (out[c] - mean) / deviation * gamma[c] + beta[c];
  }
}

void layer_norm_onnx(std::span<const float> x, size_t cols, std::span<const float> gamma,
                     std::span<const float> beta, float epsilon, std::vector<float>* y) {
  // onnxruntime 1.32's AVX2 LayerNorm kernel (read off its machine code): the mean from a double sum
  // in 4 lanes; the variance as Σ(x − mean)² in float, 8 lanes with fused multiply-adds, reduced
  // (hi + lo) pairwise; then 1 / sqrtf(var / n + ε) and fma((x − mean) · inv, γ, β).
  const size_t rows = cols == 0 ? 0 : x.size() / cols;
  y->resize(rows * cols);
  for (size_t r = 0; r < rows; ++r) {
    const float* in = x.data() + r * cols;
    float* out = y->data() + r * cols;
    double lanes[4] = {0, 0, 0, 0};
    size_t i = 0;
    for (; cols > 3 && i + 4 <= cols; i += 4) {
      for (size_t j = 0; j < 4; ++j) lanes[j] += static_cast<double>(in[i + j]);
    }
    double sum = (lanes[0] + lanes[2]) + (lanes[1] + lanes[3]);
    for (; i < cols; ++i) sum += static_cast<double>(in[i]);
    const auto mean = static_cast<float>(sum / static_cast<double>(cols));

    float squares = 0.0f;
    size_t k = 0;
    if (cols >= 8) {
      float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      for (; k + 8 <= cols; k += 8) {
        for (size_t j = 0; j < 8; ++j) {
          const float d = in[k + j] - mean;
          acc[j] = std::fma(d, d, acc[j]);
        }
      }
      float half[4];
      for (size_t j = 0; j < 4; ++j) half[j] = acc[j + 4] + acc[j];
      squares = (half[2] + half[0]) + (half[3] + half[1]);
    }
    if (cols - k >= 4) {  // a 4-wide step: products rounded, then added one by one
      for (size_t j = 0; j < 4; ++j) {
        const float d = in[k + j] - mean;
        squares += d * d;
      }
      k += 4;
    }
    for (; k < cols; ++k) {
      const float d = in[k] - mean;
      squares = std::fma(d, d, squares);
    }
    const float inv = 1.0f / std::sqrt(squares / static_cast<float>(cols) + epsilon);
    for (size_t c = 0; c < cols; ++c) out[c] = std::fma((in[c] - mean) * inv, gamma[c], beta[c]);
  }
}

void skip_layer_norm_onnx(std::span<const float> x, std::span<const float> skip, size_t cols,
                          std::span<const float> gamma, std::span<const float> beta, float epsilon,
                          std::vector<float>* y) {
  const size_t rows = cols == 0 ? 0 : x.size() / cols;
  y->resize(rows * cols);
  for (size_t r = 0; r < rows; ++r) {
    float* out = y->data() + r * cols;
    float mean = 0.0f, m2 = 0.0f;
    for (size_t c = 0; c < cols; ++c) {
      const float v = x[r * cols + c] + skip[r * cols + c];
      out[c] = v;
      const float d = v - mean;
      mean = mean + d / static_cast<float>(c + 1);
      m2 = m2 + d * (v - mean);
    }
    const float deviation = std::sqrt(m2 / static_cast<float>(cols) + epsilon);
    for (size_t c = 0; c < cols; ++c) out[c] = (out[c] - mean) / deviation * gamma[c] + beta[c];
  }
}

void fast_gelu(std::span<float> x, std::span<const float> bias) {
  // onnxruntime's FastGelu with a bias: v = x + b; t = tanh(v · (C·v·v + B)) with MLAS's tanh;
  // y = (v / 2) · (t + 1), each product rounded on its own.
  constexpr float kB = 0.7978845608028654f;    // √(2/π)
  constexpr float kC = 0.035677408136300125f;  // 0.044715 · √(2/π)
  const size_t cols = bias.size();
  for (size_t i = 0; i < x.size(); ++i) {
    const float v = x[i] + (cols ? bias[i % cols] : 0.0f);
    const float t = mlas_tanh(v * (kC * v * v + kB));
    x[i] = (v * 0.5f) * (t + 1.0f);
  }
}

void softmax_rows(std::span<float> x, size_t cols) {
  for (size_t start = 0; start + cols <= x.size(); start += cols) {
    float hi = x[start];
    for (size_t c = 1; c < cols; ++c) hi = std::max(hi, x[start + c]);
    float sum = 0;
    for (size_t c = 0; c < cols; ++c) {
      x[start + c] = std::exp(x[start + c] - hi);
      sum += x[start + c];
    }
    for (size_t c = 0; c < cols; ++c) x[start + c] /= sum;
  }
}

}  // namespace stream_tts::kokoro
