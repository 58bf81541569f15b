#include "tts/kokoro/adain_block.h"

#include <algorithm>
#include <cmath>

#include "stream_tts/status.h"
#include "tts/kokoro/duration_predictor.h"
#include "tts/kokoro/module_params.h"

namespace stream_tts::kokoro {

namespace {
constexpr float kInstanceNormEpsilon = 1e-5f;
constexpr float kLeakySlope = 0.2f;
constexpr float kSqrt2 = 1.4142135f;  // the graph's constant divisor

// [frames x channels] → [channels x frames], in tiles so that both sides stay in the cache.
void transpose_to_rows(const float* x, size_t frames, size_t channels, float* rows) {
  constexpr size_t kTile = 16;
  for (size_t f0 = 0; f0 < frames; f0 += kTile) {
    const size_t f1 = std::min(frames, f0 + kTile);
    for (size_t c0 = 0; c0 < channels; c0 += kTile) {
      const size_t c1 = std::min(channels, c0 + kTile);
      for (size_t c = c0; c < c1; ++c)
        for (size_t f = f0; f < f1; ++f) rows[c * frames + f] = x[f * channels + c];
    }
  }
}
}  // namespace

void ada_instance_norm(std::span<const float> x, size_t channels, std::span<const float> gamma_beta,
                       bool channels_first, std::vector<float>* y) {
  const size_t frames = channels == 0 ? 0 : x.size() / channels;
  const auto n = static_cast<float>(frames);
  // Per channel: mean = Σx / n, deviation = sqrt(Σ(x − mean)² / n + ε), the sums in onnxruntime's
  // order for the graph's layout. Every value is the graph's (Sub, Mul, ReduceMean, Add, Sqrt,
  // Div), only the loops are arranged for the cache.
  std::vector<float> mean(channels, 0.0f), deviation(channels, 0.0f);
  if (channels_first) {
    // The graph's tensor is [channels x frames]: transpose once, then each row is contiguous and
    // summed in Eigen's order (its alignment offset is c · frames floats), squared in place.
    std::vector<float> rows(x.size());
    transpose_to_rows(x.data(), frames, channels, rows.data());
    for (size_t c = 0; c < channels; ++c) {
      float* row = rows.data() + c * frames;
      mean[c] = eigen_sum(row, frames, c * frames) / n;
      for (size_t f = 0; f < frames; ++f) {
        const float d = row[f] - mean[c];
        row[f] = d * d;
      }
      deviation[c] = std::sqrt(eigen_sum(row, frames, c * frames) / n + kInstanceNormEpsilon);
    }
  } else {
    // Time-major: frame by frame per channel, the first frame's value the start of each sum.
    std::vector<float> squares(channels, 0.0f);
    for (size_t f = 0; f < frames; ++f) {
      const float* v = x.data() + f * channels;
      for (size_t c = 0; c < channels; ++c) mean[c] = f == 0 ? v[c] : mean[c] + v[c];
    }
    for (float& m : mean) m = m / n;
    for (size_t f = 0; f < frames; ++f) {
      const float* v = x.data() + f * channels;
      for (size_t c = 0; c < channels; ++c) {
        const float d = v[c] - mean[c];
        squares[c] = f == 0 ? d * d : squares[c] + d * d;
      }
    }
    for (size_t c = 0; c < channels; ++c)
      deviation[c] = std::sqrt(squares[c] / n + kInstanceNormEpsilon);
  }
  y->resize(x.size());
  for (size_t f = 0; f < frames; ++f) {
    const float* v = x.data() + f * channels;
    float* out = y->data() + f * channels;
    for (size_t c = 0; c < channels; ++c) {
      const float normed = (v[c] - mean[c]) / deviation[c];  // a division, as the graph's Div
      out[c] = (gamma_beta[c] + 1.0f) * normed + gamma_beta[channels + c];
    }
  }
}

AdainResBlock::AdainResBlock(const KokoroWeights& w, const std::string& m,
                             bool input_channels_first)
    : input_channels_first_(input_channels_first) {
  conv1_ = QuantizedConv1d(require_param(w, m + ".conv1", "weight"),
                           &require_param(w, m + ".conv1", "bias"), 1);
  conv2_ = QuantizedConv1d(require_param(w, m + ".conv2", "weight"),
                           &require_param(w, m + ".conv2", "bias"), 1);
  channels_ = conv1_.in_channels();
  out_channels_ = conv1_.out_channels();
  upsample_ = w.module(m + ".pool") != nullptr;
  learned_shortcut_ = w.module(m + ".conv1x1") != nullptr;  // StyleTTS2: dim_in != dim_out
  if (conv2_.in_channels() != out_channels_ || conv2_.out_channels() != out_channels_ ||
      (!learned_shortcut_ && out_channels_ != channels_)) {
    throw Error(StatusCode::kDataError, "Kokoro weights: " + m + " has unexpected widths");
  }
  if (upsample_) {
    pool_weight_ = float_param(w, m + ".pool", "weight", channels_ * 3);
    pool_bias_ = float_param(w, m + ".pool", "bias", channels_);
  }
  if (learned_shortcut_) {
    // conv1x1 has no bias in StyleTTS2 (bias=False), and the graph adds none.
    shortcut_ = QuantizedConv1d(require_param(w, m + ".conv1x1", "weight"), nullptr, 0);
    if (shortcut_.in_channels() != channels_ || shortcut_.out_channels() != out_channels_) {
      throw Error(StatusCode::kDataError, "Kokoro weights: " + m + ".conv1x1 does not fit");
    }
  }
  norm1_ = quantized_linear(w, m + ".norm1.fc", 128, 2 * channels_);
  norm2_ = quantized_linear(w, m + ".norm2.fc", 128, 2 * out_channels_);
}

std::vector<float> AdainResBlock::pool(std::span<const float> x, size_t frames) const {
  const size_t c_n = channels_;
  std::vector<float> y(2 * frames * c_n, 0.0f);
  // Output t receives input s through tap j where t = 2s - 1 + j.
  for (size_t c = 0; c < c_n; ++c) {
    for (size_t j = 0; j < 3; ++j) {
      const float wj = pool_weight_[c * 3 + j];
      for (size_t s = 0; s < frames; ++s) {
        const auto t = static_cast<std::ptrdiff_t>(2 * s + j) - 1;
        if (t < 0 || t >= static_cast<std::ptrdiff_t>(2 * frames)) continue;
        y[static_cast<size_t>(t) * c_n + c] += x[s * c_n + c] * wj;
      }
    }
  }
  for (size_t i = 0; i < y.size(); ++i) y[i] += pool_bias_[i % c_n];
  return y;
}

std::vector<float> AdainResBlock::forward(std::span<const float> x, size_t frames,
                                          const QuantizedActivations& style) const {
  std::vector<float> gamma_beta, h, conv;
  norm1_.forward(style, 1, &gamma_beta);
  ada_instance_norm(x, channels_, gamma_beta, input_channels_first_, &h);
  leaky_relu(h, kLeakySlope);
  const size_t out_frames = upsample_ ? 2 * frames : frames;
  if (upsample_) h = pool(h, frames);
  conv1_.forward(h, out_frames, &conv);
  norm2_.forward(style, 1, &gamma_beta);
  ada_instance_norm(conv, out_channels_, gamma_beta, true, &h);
  leaky_relu(h, kLeakySlope);
  conv2_.forward(h, out_frames, &conv);
  // The shortcut: x, upsampled ×2 where the block upsamples (nearest, asymmetric, floor: frame t
  // reads frame t / 2), then the 1×1 convolution where it is learned.
  std::span<const float> shortcut = x;
  std::vector<float> upsampled, projected;
  if (upsample_) {
    upsampled.resize(out_frames * channels_);
    for (size_t t = 0; t < out_frames; ++t) {
      std::copy(x.begin() + static_cast<std::ptrdiff_t>((t / 2) * channels_),
                x.begin() + static_cast<std::ptrdiff_t>((t / 2 + 1) * channels_),
                upsampled.begin() + static_cast<std::ptrdiff_t>(t * channels_));
    }
    shortcut = upsampled;
  }
  if (learned_shortcut_) {
    shortcut_.forward(shortcut, out_frames, &projected);
    shortcut = projected;
  }
  for (size_t i = 0; i < conv.size(); ++i) conv[i] = (conv[i] + shortcut[i]) / kSqrt2;
  return conv;
}

}  // namespace stream_tts::kokoro
