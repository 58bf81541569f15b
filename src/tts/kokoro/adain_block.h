// StyleTTS2's AdainResBlk1d (the F0 and N blocks of Kokoro's prosody predictor), on the CPU with
// the int8 graph's arithmetic:
//   AdaIN1d(x) = (1 + γ(s)) · InstanceNorm(x) + β(s); γ, β from an int8 Linear of the style;
//   residual = conv2(LeakyReLU(AdaIN2(conv1(pool(LeakyReLU(AdaIN1(x))))))) (ConvInteger k=3);
//   out = (residual + shortcut(x)) / √2.
// A block whose width changes has a learned shortcut, a 1×1 ConvInteger without bias (`conv1x1`:
// the decoder's encode 514 → 1024, decode.0-2 1090 → 1024); the others add x itself. An upsampling
// block (F0.1, N.1: 512 → 256; decode.3: 1090 → 512) doubles the frames: `pool` is a float
// depthwise ConvTranspose (k=3, stride 2) after the first activation, and the shortcut upsamples x
// (nearest ×2) before its 1×1 convolution.
// InstanceNorm as the exported graph computes it over frames (ReduceMean → Sub → Mul → ReduceMean →
// + 1e-5 → Sqrt → Div), with onnxruntime's reduction order over a time-major tensor: a frame-by-
// frame sum per channel, divided by the frame count. Time-major layout: [frames x channels].
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "tts/kokoro/kokoro_weights.h"
#include "tts/kokoro/quantized_conv1d.h"
#include "tts/kokoro/quantized_ops.h"

namespace stream_tts::kokoro {

// y = (γ + 1) · (x − mean) / sqrt(var + 1e-5) + β per channel over the frames; `gamma_beta` =
// [γ (channels), β (channels)]. The sums follow onnxruntime's ReduceMean for the layout the graph
// holds the tensor in: time-major (`channels_first` false: frame by frame per channel, the
// predictor.shared output) or channels-first (true: each channel's contiguous row summed in
// Eigen's order, eigen_sum, as after a convolution).
void ada_instance_norm(std::span<const float> x, size_t channels, std::span<const float> gamma_beta,
                       bool channels_first, std::vector<float>* y);

class AdainResBlock {
 public:
  // `module`: e.g. "encoder.predictor.F0.0" (norm1.fc, conv1, norm2.fc, conv2; conv1x1 and pool
  // where the block has them). Throws Error(kDataError) when a part is missing or the widths do not
  // fit (a width change needs conv1x1).
  // `input_channels_first`: the layout the graph holds the block's input in (false for the shared
  // LSTM's output, true after a convolution), which fixes the first norm's summation order.
  AdainResBlock(const KokoroWeights& weights, const std::string& module, bool input_channels_first);

  size_t channels() const { return channels_; }  // input channels
  size_t out_channels() const { return out_channels_; }
  bool upsamples() const { return upsample_; }
  bool learned_shortcut() const { return learned_shortcut_; }
  // x: [frames x channels]; `style`: the predictor's quantised 128 style values. Returns
  // [frames x out_channels], or [2·frames x out_channels] for the upsampling block.
  std::vector<float> forward(std::span<const float> x, size_t frames,
                             const QuantizedActivations& style) const;

 private:
  // ConvTranspose1d(c, c, k=3, stride 2, padding 1, output padding 1, groups c) in onnxruntime's
  // order: products per tap, added into zeros tap by tap, then the bias. [frames x c] → [2·frames x
  // c].
  std::vector<float> pool(std::span<const float> x, size_t frames) const;

  size_t channels_ = 0, out_channels_ = 0;
  bool input_channels_first_ = false, upsample_ = false, learned_shortcut_ = false;
  std::vector<float> pool_weight_, pool_bias_;  // [c][3], [c]; upsampling blocks only
  QuantizedConv1d shortcut_;                    // 1×1 without bias; learned shortcuts only
  QuantizedLinear norm1_, norm2_;
  QuantizedConv1d conv1_, conv2_;
};

}  // namespace stream_tts::kokoro
