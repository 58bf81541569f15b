#include "tts/kokoro/adain_block.h"

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

void ada_instance_norm(std::span<const float> x, size_t channels,
                       std::span<const float> gamma_beta, bool channels_first,
                       std::vector<float>* y) {
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
  if (conv1_.out_channels() != channels_ || conv2_.in_channels() != channels_ ||
      conv2_.out_channels() != channels_) {
    throw Error(StatusCode::kDataError, "Kokoro weights: " + m + " changes its width");
  }
  norm1_ = quantized_linear(w, m + ".norm1.fc", 128, 2 * channels_);
  norm2_ = quantized_linear(w, m + ".norm2.fc", 128, 2 * channels_);
}

std::vector<float> AdainResBlock::forward(std::span<const float> x, size_t frames,
                                          const QuantizedActivations& style) const {
  std::vector<float> gamma_beta, h, conv;
  norm1_.forward(style, 1, &gamma_beta);
  ada_instance_norm(x, channels_, gamma_beta, input_channels_first_, &h);
  leaky_relu(h, kLeakySlope);
  conv1_.forward(h, frames, &conv);
  norm2_.forward(style, 1, &gamma_beta);
  ada_instance_norm(conv, channels_, gamma_beta, true, &h);
  leaky_relu(h, kLeakySlope);
  conv2_.forward(h, frames, &conv);
  for (size_t i = 0; i < conv.size(); ++i) conv[i] = (conv[i] + x[i]) / kSqrt2;
  return conv;
}

}  // namespace stream_tts::kokoro
