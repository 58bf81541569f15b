// Kokoro's iSTFTNet generator (the vocoder, `decoder.decoder.generator`) on the CPU with the int8
// graph's arithmetic: from the decoder's output, the F0 curve and the style to 24 kHz audio.
//
//   source  = tanh(l_linear(SineGen(F0 upsampled ×300)))   one value per audio sample (sine_source.h)
//   har     = STFT(source): magnitude and phase, 11 + 11 channels, one frame per 5 samples (istft.h)
//   for i in 0, 1:
//     x = ups[i](LeakyReLU_0.1(x))                         float ConvTranspose (×10, then ×6)
//     x = x + noise_res[i](noise_convs[i](har), s)         ConvInteger, SnakeResBlock (snake_resblock.h)
//     x = mean of resblocks[3i..3i+2](x, s)                kernels 3, 7, 11
//   spec  = conv_post(LeakyReLU_0.01(x))                   float Conv 128 → 22, k7
//   audio = iSTFT(exp(spec[0:11]), sin(spec[11:22]))       the graph's ConvTranspose with its basis
//
// The export has no noise and no random initial phase: the whole stage is deterministic.
// Layout: time-major, [steps x channels] (the graph's [channels x steps] transposed).
//
// Whole-sentence state (matters for running it in windows later): every DynamicQuantizeLinear
// before a ConvInteger takes min/max over the whole tensor, every AdaIN takes per-channel mean and
// variance over the whole sentence, and the source's phase is a cumulative sum from the first frame.
//
// Read-only after construction; forward() may run on several threads at once.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "stream_tts/status.h"
#include "tts/kokoro/kokoro_weights.h"

namespace stream_tts::kokoro {

class SineSource;
class SnakeResBlock;
class StftAnalysis;
class IstftSynthesis;
struct GeneratorConvs;

class KokoroGenerator {
 public:
  static constexpr size_t kInputChannels = 512;
  static constexpr size_t kSamplesPerFrame = 300;  // audio samples per decoder frame (2·frames rate)
  static constexpr int kSampleRate = 24000;

  // Throws Error(kDataError) when a generator module is missing or has an unexpected shape.
  explicit KokoroGenerator(const KokoroWeights& weights);
  ~KokoroGenerator();
  KokoroGenerator(KokoroGenerator&&) noexcept;
  KokoroGenerator& operator=(KokoroGenerator&&) noexcept;

  // Intermediate tensors of one forward() (time-major), for the parity test.
  struct Trace {
    std::vector<float> source;  // [samples] tanh(l_linear(sines))
    std::vector<float> har;     // [stft frames x 22] magnitude (11), phase (11)
    std::vector<float> ups0;    // [20·frames2 x 256] ups.0 output
    std::vector<float> noise0;  // [20·frames2 x 256] noise_res.0 output (the noise branch)
    std::vector<float> stage0;  // [20·frames2 x 256] after ups.0 + noise branch (before resblocks)
    std::vector<float> blocks0; // [20·frames2 x 256] mean of resblocks 0–2
    std::vector<float> ups1;    // [120·frames2 x 128] ups.1 output (before the pad)
    std::vector<float> noise1;  // [120·frames2 + 1 x 128] noise_res.1 output
    std::vector<float> stage1;  // [120·frames2 + 1 x 128] after ups.1, pad, + noise branch
    std::vector<float> blocks1; // [120·frames2 + 1 x 128] mean of resblocks 3–5
    std::vector<float> spec;    // [120·frames2 + 1 x 22] conv_post output
    // Input, not output: when not empty, used instead of the computed har (the parity test feeds
    // onnxruntime's to measure the stages after the STFT on their own).
    std::vector<float> feed_har;
  };

  // x: the decoder's output [frames2 x 512]; f0: the F0 curve [frames2]; style: the 256-value style
  // row (the first 128 drive the AdaIN layers). Returns 300·frames2 samples at 24 kHz.
  Result<std::vector<float>> forward(std::span<const float> x, size_t frames2,
                                     std::span<const float> f0,
                                     std::span<const float> style) const;
  Result<std::vector<float>> forward(std::span<const float> x, size_t frames2,
                                     std::span<const float> f0, std::span<const float> style,
                                     Trace* trace) const;

  // For windows (streaming): the harmonic source of a whole sentence, [300·frames2] samples from
  // its F0 curve — its phase is a running sum from the first frame, so a window takes its slice —
  // and the generator on frames2 frames of x with their slice of that source.
  std::vector<float> source(std::span<const float> f0) const;
  Result<std::vector<float>> forward_source(std::span<const float> x, size_t frames2,
                                            std::span<const float> source,
                                            std::span<const float> style,
                                            Trace* trace = nullptr) const;

 private:
  std::unique_ptr<SineSource> source_;
  std::unique_ptr<StftAnalysis> stft_;
  std::unique_ptr<GeneratorConvs> convs_;  // ups, noise_convs, conv_post
  std::vector<SnakeResBlock> noise_res_, resblocks_;  // 2, 6
  std::unique_ptr<IstftSynthesis> istft_;
};

}  // namespace stream_tts::kokoro
