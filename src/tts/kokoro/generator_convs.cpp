#include "tts/kokoro/generator_convs.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "stream_tts/status.h"

namespace stream_tts::kokoro {

namespace {

// C[rows x n] = A[rows x k] · B[k x n] as MLAS's SGEMM kernels sum: k in slices of kSliceK, each
// slice's products accumulated with fused multiply-adds from zero, then added to C (the first
// slice stored). AVX2+FMA when the CPU has it (eight columns at a time, same order per element),
// std::fma otherwise.
constexpr size_t kSliceK = 128;

__attribute__((target("avx2,fma"))) void gemm_fma_slices_avx2(const float* a, size_t rows,
                                                               size_t k, const float* b, size_t n,
                                                               float* c) {
  constexpr size_t kBlock = 64;  // columns per register block: 8 × 8 lanes
  for (size_t k0 = 0; k0 < k; k0 += kSliceK) {
    const size_t k1 = std::min(k, k0 + kSliceK);
    size_t col = 0;
    for (; col + kBlock <= n; col += kBlock) {
      for (size_t r = 0; r < rows; ++r) {
        const float* ar = a + r * k;
        __m256 acc[8];
        for (auto& v : acc) v = _mm256_setzero_ps();
        for (size_t kk = k0; kk < k1; ++kk) {
          const __m256 av = _mm256_set1_ps(ar[kk]);
          const float* br = b + kk * n + col;
          for (size_t v = 0; v < 8; ++v)
            acc[v] = _mm256_fmadd_ps(av, _mm256_loadu_ps(br + 8 * v), acc[v]);
        }
        float* cr = c + r * n + col;
        for (size_t v = 0; v < 8; ++v) {
          const __m256 prev = k0 == 0 ? _mm256_setzero_ps() : _mm256_loadu_ps(cr + 8 * v);
          _mm256_storeu_ps(cr + 8 * v, k0 == 0 ? acc[v] : _mm256_add_ps(prev, acc[v]));
        }
      }
    }
    for (; col + 8 <= n; col += 8) {
      for (size_t r = 0; r < rows; ++r) {
        const float* ar = a + r * k;
        __m256 acc = _mm256_setzero_ps();
        for (size_t kk = k0; kk < k1; ++kk)
          acc = _mm256_fmadd_ps(_mm256_set1_ps(ar[kk]), _mm256_loadu_ps(b + kk * n + col), acc);
        float* cr = c + r * n + col;
        _mm256_storeu_ps(cr, k0 == 0 ? acc : _mm256_add_ps(_mm256_loadu_ps(cr), acc));
      }
    }
    if (col < n) {  // the last 1-7 columns under a lane mask
      alignas(32) int32_t lanes[8];
      for (size_t l = 0; l < 8; ++l) lanes[l] = col + l < n ? -1 : 0;
      const __m256i mask = _mm256_load_si256(reinterpret_cast<const __m256i*>(lanes));
      for (size_t r = 0; r < rows; ++r) {
        const float* ar = a + r * k;
        __m256 acc = _mm256_setzero_ps();
        for (size_t kk = k0; kk < k1; ++kk)
          acc = _mm256_fmadd_ps(_mm256_set1_ps(ar[kk]), _mm256_maskload_ps(b + kk * n + col, mask),
                                acc);
        float* cr = c + r * n + col;
        _mm256_maskstore_ps(cr, mask,
                            k0 == 0 ? acc : _mm256_add_ps(_mm256_maskload_ps(cr, mask), acc));
      }
    }
  }
}

void gemm_fma_slices(const float* a, size_t rows, size_t k, const float* b, size_t n, float* c) {
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    gemm_fma_slices_avx2(a, rows, k, b, n, c);
    return;
  }
  for (size_t k0 = 0; k0 < k; k0 += kSliceK) {
    const size_t k1 = std::min(k, k0 + kSliceK);
    for (size_t r = 0; r < rows; ++r) {
      for (size_t col = 0; col < n; ++col) {
        float acc = 0.0f;
        for (size_t kk = k0; kk < k1; ++kk) acc = std::fma(a[r * k + kk], b[kk * n + col], acc);
        c[r * n + col] = k0 == 0 ? acc : c[r * n + col] + acc;
      }
    }
  }
}

void require_shape(const Param& p, size_t rank, const char* what) {
  if (p.tensor == nullptr || p.tensor->dims.size() != rank) {
    throw Error(StatusCode::kDataError, std::string("Kokoro weights: the generator's ") + what +
                                            " weight has an unexpected shape");
  }
}

std::vector<float> checked_bias(const Param& bias, size_t out, const char* what) {
  std::vector<float> b = bias.tensor->to_floats();
  if (b.size() != out) {
    throw Error(StatusCode::kDataError,
                std::string("Kokoro weights: the generator's ") + what + " bias does not fit");
  }
  return b;
}

}  // namespace

FloatConvTranspose1d::FloatConvTranspose1d(const Param& weight, const Param& bias, size_t stride,
                                           size_t padding)
    : stride_(stride), padding_(padding) {
  require_shape(weight, 3, "ConvTranspose");
  in_ = static_cast<size_t>(weight.tensor->dims[0]);
  out_ = static_cast<size_t>(weight.tensor->dims[1]);
  kernel_ = static_cast<size_t>(weight.tensor->dims[2]);
  const std::vector<float> w = weight.tensor->to_floats();  // [in][out][k]
  weight_.resize(w.size());
  for (size_t c = 0; c < in_; ++c)
    for (size_t o = 0; o < out_; ++o)
      for (size_t j = 0; j < kernel_; ++j)
        weight_[(c * kernel_ + j) * out_ + o] = w[(c * out_ + o) * kernel_ + j];
  bias_ = checked_bias(bias, out_, "ConvTranspose");
}

size_t FloatConvTranspose1d::output_steps(size_t steps) const {
  if (steps == 0) return 0;
  const size_t full = (steps - 1) * stride_ + kernel_;
  return full > 2 * padding_ ? full - 2 * padding_ : 0;
}

std::vector<float> FloatConvTranspose1d::forward(std::span<const float> x, size_t steps) const {
  const size_t out_steps = output_steps(steps), width = kernel_ * out_;
  // The product columns[s][j·out + o] = Σ_c x[s][c] · w[c][o][j] in MLAS's SGEMM order: the input
  // channels in slices of 128, each slice a chain of fused multiply-adds from zero, the slices'
  // sums added in order.
  std::vector<float> columns(steps * width, 0.0f);
  gemm_fma_slices(x.data(), steps, in_, weight_.data(), width, columns.data());
  // col2im, tap by tap over all steps (onnxruntime's order), then the bias.
  std::vector<float> y(out_steps * out_, 0.0f);
  for (size_t j = 0; j < kernel_; ++j) {
    for (size_t s = 0; s < steps; ++s) {
      const auto t = static_cast<std::ptrdiff_t>(s * stride_ + j) -
                     static_cast<std::ptrdiff_t>(padding_);
      if (t < 0 || t >= static_cast<std::ptrdiff_t>(out_steps)) continue;
      float* yt = y.data() + static_cast<size_t>(t) * out_;
      const float* col = columns.data() + s * width + j * out_;
      for (size_t o = 0; o < out_; ++o) yt[o] += col[o];
    }
  }
  for (size_t t = 0; t < out_steps; ++t)
    for (size_t o = 0; o < out_; ++o) y[t * out_ + o] += bias_[o];
  return y;
}

FloatConv1d::FloatConv1d(const Param& weight, const Param& bias, size_t padding)
    : padding_(padding) {
  require_shape(weight, 3, "Conv");
  out_ = static_cast<size_t>(weight.tensor->dims[0]);
  in_ = static_cast<size_t>(weight.tensor->dims[1]);
  kernel_ = static_cast<size_t>(weight.tensor->dims[2]);
  const std::vector<float> w = weight.tensor->to_floats();  // [out][in][k]
  weight_.resize(w.size());
  for (size_t o = 0; o < out_; ++o)
    for (size_t c = 0; c < in_; ++c)
      for (size_t j = 0; j < kernel_; ++j)
        weight_[(c * kernel_ + j) * out_ + o] = w[(o * in_ + c) * kernel_ + j];
  bias_ = checked_bias(bias, out_, "Conv");
}

std::vector<float> FloatConv1d::forward(std::span<const float> x, size_t steps) const {
  const size_t span = kernel_ - 1, width = in_ * kernel_;
  const size_t out_steps = steps + 2 * padding_ > span ? steps + 2 * padding_ - span : 0;
  // onnxruntime's MlasConv: im2col (row t: tap j of channel c at c·k + j, zeros in the padding),
  // the SGEMM in its slice order, then the bias.
  std::vector<float> cols(out_steps * width, 0.0f);
  for (size_t t = 0; t < out_steps; ++t) {
    for (size_t j = 0; j < kernel_; ++j) {
      const auto src = static_cast<std::ptrdiff_t>(t + j) - static_cast<std::ptrdiff_t>(padding_);
      if (src < 0 || src >= static_cast<std::ptrdiff_t>(steps)) continue;
      const float* row = x.data() + static_cast<size_t>(src) * in_;
      float* dst = cols.data() + t * width + j;
      for (size_t c = 0; c < in_; ++c) dst[c * kernel_] = row[c];
    }
  }
  std::vector<float> y(out_steps * out_);
  gemm_fma_slices(cols.data(), out_steps, width, weight_.data(), out_, y.data());
  for (size_t t = 0; t < out_steps; ++t)
    for (size_t o = 0; o < out_; ++o) y[t * out_ + o] += bias_[o];
  return y;
}

}  // namespace stream_tts::kokoro
