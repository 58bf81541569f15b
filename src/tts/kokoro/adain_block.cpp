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
}  // namespace

void ada_instance_norm(std::span<const float> x, size_t channels, std::span<const float> gamma_beta,
                       bool channels_first, std::vector<float>* y) {
  const size_t frames = channels == 0 ? 0 : x.size() / channels;
  // Per-channel sums of `v` ([frames x channels]) in onnxruntime's order for the graph's layout.
  std::vector<float> row(frames);
  auto channel_sums = [&](const std::vector<float>& v, std::vector<float>* sums) {
    sums->assign(channels, 0.0f);
    if (channels_first) {
      for (size_t c = 0; c < channels; ++c) {
        for (size_t f = 0; f < frames; ++f) row[f] = v[f * channels + c];
        (*sums)[c] = eigen_sum(row.data(), frames, c * frames);
      }
    } else {
      for (size_t c = 0; c < channels && frames > 0; ++c) (*sums)[c] = v[c];
      for (size_t f = 1; f < frames; ++f)
        for (size_t c = 0; c < channels; ++c) (*sums)[c] += v[f * channels + c];
    }
  };
  const std::vector<float> input(x.begin(), x.end());
  std::vector<float> mean, variance;
  channel_sums(input, &mean);
  for (float& m : mean) m = m / static_cast<float>(frames);
  std::vector<float> centred(x.size()), squares(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    centred[i] = x[i] - mean[i % channels];
    squares[i] = centred[i] * centred[i];
  }
  channel_sums(squares, &variance);
  for (float& v : variance) v = std::sqrt(v / static_cast<float>(frames) + kInstanceNormEpsilon);
  y->resize(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    const size_t c = i % channels;
    const float normed = centred[i] / variance[c];
    (*y)[i] = (gamma_beta[c] + 1.0f) * normed + gamma_beta[channels + c];
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
