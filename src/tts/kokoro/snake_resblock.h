// iSTFTNet's AdaINResBlock1 with Snake activations (the generator's `resblocks.0–5` and
// `noise_res.0–1`), as the int8 graph computes it. Three times, with dilations 1, 3, 5:
//   xt = AdaIN1_i(x, s); xt = snake(xt, α1_i); xt = convs1_i(xt)  (ConvInteger, dilated)
//   xt = AdaIN2_i(xt, s); xt = snake(xt, α2_i); xt = convs2_i(xt) (ConvInteger)
//   x  = xt + x
// snake(x, α) = x + (1/α)·sin(α·x)² — the graph holds 1/α as a folded constant (equal to the float
// 1.0f / α, checked on every channel) and computes Mul → Sin → Pow 2 → Mul → Add in that order.
// AdaIN: InstanceNorm over the whole sentence per channel (channels-first reduction order:
// ada_instance_norm), (1 + γ)·n + β from an int8 Linear of the style.
//
// Whole-sentence state: each AdaIN's mean and variance, and each ConvInteger input's dynamic
// quantisation range (min/max over the whole tensor).
//
// Layout: time-major [steps x channels]. Read-only after construction; forward() may run on
// several threads at once.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "tts/kokoro/kokoro_weights.h"
#include "tts/kokoro/quantized_conv1d.h"
#include "tts/kokoro/quantized_ops.h"

namespace stream_tts::kokoro {

class SnakeResBlock {
 public:
  static constexpr std::array<size_t, 3> kDilations = {1, 3, 5};

  // `module`: e.g. "decoder.decoder.generator.resblocks.0". The kernel size is read off the
  // weights. Throws Error(kDataError) when a part is missing or the widths do not fit.
  SnakeResBlock(const KokoroWeights& weights, const std::string& module);

  size_t channels() const { return channels_; }
  // x: [steps x channels]; `style`: the decoder's quantised 128 style values.
  std::vector<float> forward(std::span<const float> x, size_t steps,
                             const QuantizedActivations& style) const;

 private:
  struct Layer {
    QuantizedLinear norm1, norm2;  // adain1_i.fc, adain2_i.fc: 128 → 2·channels
    QuantizedConv1d conv1, conv2;
    std::vector<float> alpha1, alpha2, inv_alpha1, inv_alpha2;  // [channels]
  };
  size_t channels_ = 0;
  std::vector<Layer> layers_;
};

// x ← x + inv_alpha·sin(alpha·x)² per channel, in place; x: [steps x channels].
void snake(std::span<float> x, std::span<const float> alpha, std::span<const float> inv_alpha);

}  // namespace stream_tts::kokoro
