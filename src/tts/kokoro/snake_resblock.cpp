#include "tts/kokoro/snake_resblock.h"

#include <cmath>

#include "stream_tts/status.h"
#include "tts/kokoro/adain_block.h"
#include "tts/kokoro/module_params.h"
#include "tts/kokoro/onnx_trig.h"

namespace stream_tts::kokoro {

void snake(std::span<float> x, std::span<const float> alpha, std::span<const float> inv_alpha) {
  const size_t channels = alpha.size();
  onnx_snake(x.data(), channels == 0 ? 0 : x.size() / channels, channels, alpha.data(),
             inv_alpha.data());
}

SnakeResBlock::SnakeResBlock(const KokoroWeights& w, const std::string& m) {
  for (size_t i = 0; i < kDilations.size(); ++i) {
    const std::string n = std::to_string(i);
    const Param& w1 = require_param(w, m + ".convs1." + n, "weight");
    const Param& w2 = require_param(w, m + ".convs2." + n, "weight");
    if (w1.tensor->dims.size() != 3 || w2.tensor->dims.size() != 3) {
      throw Error(StatusCode::kDataError, "Kokoro weights: " + m + " convolutions are not 1-D");
    }
    const auto k1 = static_cast<size_t>(w1.tensor->dims[2]);
    const auto k2 = static_cast<size_t>(w2.tensor->dims[2]);
    Layer layer;
    layer.conv1 = QuantizedConv1d(w1, &require_param(w, m + ".convs1." + n, "bias"),
                                  kDilations[i] * (k1 - 1) / 2, kDilations[i]);
    layer.conv2 = QuantizedConv1d(w2, &require_param(w, m + ".convs2." + n, "bias"), (k2 - 1) / 2);
    if (i == 0) channels_ = layer.conv1.in_channels();
    if (layer.conv1.in_channels() != channels_ || layer.conv1.out_channels() != channels_ ||
        layer.conv2.in_channels() != channels_ || layer.conv2.out_channels() != channels_) {
      throw Error(StatusCode::kDataError, "Kokoro weights: " + m + " changes its width");
    }
    layer.norm1 = quantized_linear(w, m + ".adain1." + n + ".fc", 128, 2 * channels_);
    layer.norm2 = quantized_linear(w, m + ".adain2." + n + ".fc", 128, 2 * channels_);
    layer.alpha1 = float_param(w, m, ("alpha1." + n).c_str(), channels_);
    layer.alpha2 = float_param(w, m, ("alpha2." + n).c_str(), channels_);
    for (float a : layer.alpha1) layer.inv_alpha1.push_back(1.0f / a);
    for (float a : layer.alpha2) layer.inv_alpha2.push_back(1.0f / a);
    layers_.push_back(std::move(layer));
  }
}

std::vector<float> SnakeResBlock::forward(std::span<const float> x_in, size_t steps,
                                          const QuantizedActivations& style) const {
  std::vector<float> x(x_in.begin(), x_in.end()), gamma_beta, h, conv;
  for (const Layer& layer : layers_) {
    layer.norm1.forward(style, 1, &gamma_beta);
    ada_instance_norm(x, channels_, gamma_beta, true, &h);
    snake(h, layer.alpha1, layer.inv_alpha1);
    layer.conv1.forward(h, steps, &conv);
    layer.norm2.forward(style, 1, &gamma_beta);
    ada_instance_norm(conv, channels_, gamma_beta, true, &h);
    snake(h, layer.alpha2, layer.inv_alpha2);
    layer.conv2.forward(h, steps, &conv);
    for (size_t i = 0; i < x.size(); ++i) x[i] = conv[i] + x[i];
  }
  return x;
}

}  // namespace stream_tts::kokoro
