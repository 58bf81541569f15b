#include "tts/kokoro/decoder.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <string>
#include <utility>

#include "tts/kokoro/frame_features.h"
#include "tts/kokoro/module_params.h"
#include "tts/kokoro/quantized_ops.h"

namespace stream_tts::kokoro {

namespace {
constexpr size_t kAsrResChannels = 64;
constexpr size_t kStyleHalf = 128;  // the decoder's half of the style row

// Row t of the result = [a row t, b row t, ...]: the graph's Concat on the channel axis, in the
// time-major layout.
std::vector<float> concat_rows(size_t frames,
                               std::initializer_list<std::pair<const float*, size_t>> parts) {
  size_t width = 0;
  for (const auto& part : parts) width += part.second;
  std::vector<float> out(frames * width);
  for (size_t t = 0; t < frames; ++t) {
    float* dst = out.data() + t * width;
    for (const auto& [data, cols] : parts) {
      std::copy(data + t * cols, data + (t + 1) * cols, dst);
      dst += cols;
    }
  }
  return out;
}
}  // namespace

CurveDownsampler::CurveDownsampler(const KokoroWeights& w, const std::string& module) {
  const Param& weight = require_param(w, module, "weight");
  const nn::onnx::Tensor& t = *weight.tensor;
  if (t.dims.size() != 3 || t.dims[0] != 1 || t.dims[1] != 1 || t.dims[2] != 3 ||
      t.data_type != nn::onnx::DataType::kUint8 || weight.scale == nullptr ||
      weight.zero_point == nullptr || weight.scale->element_count() != 1 ||
      weight.zero_point->element_count() != 1) {
    throw Error(
        StatusCode::kDataError,
        "Kokoro weights: " + module + " is not a per-tensor quantised [1, 1, 3] uint8 weight");
  }
  const auto zp = static_cast<int32_t>(weight.zero_point->as_double());
  for (size_t j = 0; j < 3; ++j) taps_[j] = static_cast<int32_t>(t.bytes()[j]) - zp;
  w_scale_ = static_cast<float>(weight.scale->as_double());
  bias_ = float_param(w, module, "bias", 1)[0];
}

CurveDownsampler::CurveDownsampler(std::span<const uint8_t, 3> weight, uint8_t zero_point,
                                   float scale, float bias)
    : w_scale_(scale), bias_(bias) {
  for (size_t j = 0; j < 3; ++j) taps_[j] = static_cast<int32_t>(weight[j]) - zero_point;
}

std::vector<float> CurveDownsampler::forward(std::span<const float> curve) const {
  QuantizedActivations q;
  dynamic_quantize_linear(curve, &q);
  const auto n = static_cast<std::ptrdiff_t>(curve.size());
  const size_t out_n = (curve.size() + 1) / 2;  // (n + 2·1 − 3) / 2 + 1
  const float scale = q.scale * w_scale_;       // the graph's Mul(x_scale, w_scale)
  const auto bias_q = static_cast<int32_t>(std::floor(bias_ / scale));
  std::vector<float> y(out_n);
  for (size_t t = 0; t < out_n; ++t) {
    int32_t acc = 0;
    for (std::ptrdiff_t j = 0; j < 3; ++j) {
      const std::ptrdiff_t src = 2 * static_cast<std::ptrdiff_t>(t) - 1 + j;
      if (src < 0 || src >= n) continue;  // padding reads the zero point: adds 0
      acc += (static_cast<int32_t>(q.values[static_cast<size_t>(src)]) - q.zero_point) * taps_[j];
    }
    y[t] = static_cast<float>(acc + bias_q) * scale;
  }
  return y;
}

KokoroDecoder::KokoroDecoder(const KokoroWeights& w)
    : f0_conv_(w, "decoder.decoder.F0_conv"), n_conv_(w, "decoder.decoder.N_conv") {
  const std::string m = "decoder.decoder.";
  asr_res_ = QuantizedConv1d(require_param(w, m + "asr_res.0", "weight"),
                             &require_param(w, m + "asr_res.0", "bias"), 0);
  if (asr_res_.in_channels() != kAsrChannels || asr_res_.out_channels() != kAsrResChannels ||
      asr_res_.output_steps(1) != 1) {
    throw Error(StatusCode::kDataError,
                "Kokoro weights: " + m + "asr_res.0 is not a 1x1 512 -> 64");
  }
  // Every block reads a concatenation (channels-first in the graph): Eigen's per-row sums.
  blocks_.emplace_back(w, m + "encode", true);
  for (int k = 0; k < 4; ++k) blocks_.emplace_back(w, m + "decode." + std::to_string(k), true);
  const size_t side = kAsrResChannels + 2;  // asr_res, F0, N beside each decode block's input
  bool fits = blocks_[0].channels() == kAsrChannels + 2 && !blocks_[0].upsamples();
  for (size_t k = 1; k < kBlocks; ++k) {
    fits = fits && blocks_[k].channels() == blocks_[k - 1].out_channels() + side &&
           blocks_[k].upsamples() == (k == kBlocks - 1);
  }
  if (!fits || blocks_.back().out_channels() != kOutputChannels) {
    throw Error(StatusCode::kDataError,
                "Kokoro weights: the decoder's encode/decode blocks do not chain as Kokoro's do");
  }
}

Result<KokoroDecoder::Output> KokoroDecoder::forward(
    std::span<const float> t_en, std::span<const int64_t> durations, std::span<const float> f0,
    std::span<const float> n, std::span<const float> style, Trace* trace) const {
  if (durations.empty() || t_en.size() != durations.size() * kAsrChannels) {
    return Status(StatusCode::kInvalidArgument,
                  "the decoder takes [tokens x 512] text features and one duration per token");
  }
  for (int64_t d : durations) {
    if (d < 1) return Status(StatusCode::kInvalidArgument, "a token lasts at least one frame");
  }
  const std::vector<float> asr = expand_to_frames(t_en, kAsrChannels, durations);
  return forward_frames(asr, asr.size() / kAsrChannels, f0, n, style, trace);
}

Result<KokoroDecoder::Output> KokoroDecoder::forward_frames(
    std::span<const float> asr, size_t frames, std::span<const float> f0, std::span<const float> n,
    std::span<const float> style, Trace* trace) const {
  if (frames == 0 || asr.size() != frames * kAsrChannels || f0.size() != 2 * frames ||
      n.size() != 2 * frames || style.size() != kStyle) {
    return Status(StatusCode::kInvalidArgument,
                  "the decoder takes [frames x 512] features, F0 and N curves of 2 x frames values "
                  "and a 256-value style");
  }
  QuantizedActivations style_q;  // the decoder's half, quantised once for every AdaIN fc
  dynamic_quantize_linear(style.first(kStyleHalf), &style_q);
  const std::vector<float> f0_down = f0_conv_.forward(f0), n_down = n_conv_.forward(n);
  std::vector<float> asr_res;
  asr_res_.forward(asr, frames, &asr_res);

  std::vector<float> x =
      concat_rows(frames, {{asr.data(), kAsrChannels}, {f0_down.data(), 1}, {n_down.data(), 1}});
  x = blocks_[0].forward(x, frames, style_q);
  if (trace != nullptr) trace->blocks.assign(1, x);
  for (size_t k = 1; k < kBlocks; ++k) {
    const size_t width = blocks_[k - 1].out_channels();
    x = concat_rows(frames, {{x.data(), width},
                             {asr_res.data(), kAsrResChannels},
                             {f0_down.data(), 1},
                             {n_down.data(), 1}});
    x = blocks_[k].forward(x, frames, style_q);
    if (trace != nullptr) trace->blocks.push_back(x);
  }
  if (trace != nullptr) {
    trace->asr.assign(asr.begin(), asr.end());
    trace->f0 = f0_down;
    trace->n = n_down;
    trace->asr_res = asr_res;
  }
  Output out;
  out.frames2 = 2 * frames;
  out.x = std::move(x);
  return out;
}

}  // namespace stream_tts::kokoro
