// Kokoro's istftnet Decoder up to the generator: the text features expanded to frames (`asr`) and
// the F0 / N curves turned into the generator's input, with the int8 graph's arithmetic:
//   F0 = F0_conv(F0 curve), N = N_conv(N curve)   ConvInteger 1 → 1, k3, stride 2, pad 1: 2F → F
//   x = encode(cat[asr, F0, N], s)                 AdaIN residual block 514 → 1024, 1×1 shortcut
//   asr_res = asr_res(asr)                         1×1 ConvInteger 512 → 64
//   x = decode.k(cat[x, asr_res, F0, N], s)        k = 0..2: 1090 → 1024, 1×1 shortcut;
//                                                  k = 3: 1090 → 512, upsampling ×2 (the last)
// where s is the first 128 values of the style row (the predictor reads the last 128). The
// generator (iSTFTNet) takes the result: [2F x 512].
//
// Layouts: every tensor here is time-major, [frames x channels] (row t = frame t), the graph's
// [channels x frames] transposed; the concatenations put the channels side by side in each row.
//
// Read-only after construction; forward() may run on several threads at once (it allocates its
// own buffers). It keeps pointers into nothing: the weights are copied into its kernels, so the
// KokoroWeights may go away after construction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "stream_tts/status.h"
#include "tts/kokoro/adain_block.h"
#include "tts/kokoro/kokoro_weights.h"
#include "tts/kokoro/quantized_conv1d.h"

namespace stream_tts::kokoro {

// ConvInteger with one input and one output channel, kernel 3, stride 2, padding 1 (F0_conv,
// N_conv): y[t] = Σ_j (q[2t − 1 + j] − x_zp)(w[j] − w_zp) over the taps inside the input, plus
// floor(bias / (x_scale · w_scale)), times x_scale · w_scale. [2F] → [F] (odd n → (n + 1) / 2).
class CurveDownsampler {
 public:
  CurveDownsampler() = default;
  // `module`: "decoder.decoder.F0_conv" or "decoder.decoder.N_conv". Throws Error(kDataError)
  // when it is not a [1, 1, 3] per-tensor quantised weight with a one-value bias.
  CurveDownsampler(const KokoroWeights& weights, const std::string& module);
  // From the raw uint8 taps, their zero point and scale, and the float bias.
  CurveDownsampler(std::span<const uint8_t, 3> weight, uint8_t zero_point, float scale, float bias);
  std::vector<float> forward(std::span<const float> curve) const;

 private:
  int32_t taps_[3] = {0, 0, 0};  // w[j] − w_zp
  float w_scale_ = 1.0f, bias_ = 0.0f;
};

class KokoroDecoder {
 public:
  static constexpr size_t kAsrChannels = 512;     // t_en's channels
  static constexpr size_t kOutputChannels = 512;  // decode.3's, the generator's input
  static constexpr size_t kStyle = 256;           // the style row; the decoder reads [0, 128)
  static constexpr size_t kBlocks = 5;            // encode, decode.0 .. decode.3

  // Throws Error(kDataError) when a decoder module is missing or has other widths than Kokoro's.
  explicit KokoroDecoder(const KokoroWeights& weights);

  struct Output {
    size_t frames2 = 0;    // 2 · Σ durations
    std::vector<float> x;  // [frames2 x 512], time-major: the generator's input
  };
  // Intermediate tensors, for the parity test (each [frames x channels], time-major).
  struct Trace {
    std::vector<float> asr;      // [F x 512]: t_en expanded by the durations
    std::vector<float> f0, n;    // [F]: F0_conv, N_conv
    std::vector<float> asr_res;  // [F x 64]
    std::vector<std::vector<float>>
        blocks;  // encode, decode.0-2 ([F x 1024]), decode.3 ([2F x 512])
  };

  // `t_en`: the text encoder's output [tokens x 512]; `durations`: frames per token (>= 1, one per
  // token, F = Σ durations); `f0`, `n`: the predictor's curves [2F]; `style`: the 256-value row.
  // Errors (kInvalidArgument) on sizes that do not fit. `trace` (optional) receives the
  // intermediate tensors.
  Result<Output> forward(std::span<const float> t_en, std::span<const int64_t> durations,
                         std::span<const float> f0, std::span<const float> n,
                         std::span<const float> style, Trace* trace = nullptr) const;
  // The same from `asr` already expanded ([F x 512], e.g. onnxruntime's, in the parity test).
  Result<Output> forward_frames(std::span<const float> asr, size_t frames,
                                std::span<const float> f0, std::span<const float> n,
                                std::span<const float> style, Trace* trace = nullptr) const;

  // The residual blocks (0 = encode, 1-4 = decode.0-3), for tests that feed one block at a time.
  const AdainResBlock& block(size_t i) const { return blocks_[i]; }

 private:
  CurveDownsampler f0_conv_, n_conv_;
  QuantizedConv1d asr_res_;
  std::vector<AdainResBlock> blocks_;
};

}  // namespace stream_tts::kokoro
