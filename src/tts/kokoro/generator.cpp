#include "tts/kokoro/generator.h"

#include <string>
#include <utility>

#include "tts/kokoro/generator_convs.h"
#include "tts/kokoro/istft.h"
#include "tts/kokoro/module_params.h"
#include "tts/kokoro/quantized_conv1d.h"
#include "tts/kokoro/quantized_ops.h"
#include "tts/kokoro/sine_source.h"
#include "tts/kokoro/snake_resblock.h"

namespace stream_tts::kokoro {

namespace {
const std::string kModule = "decoder.decoder.generator";
constexpr size_t kStyleValues = 128;      // the decoder's half of the style row
constexpr float kUpsampleSlope = 0.1f;    // LeakyReLU before each upsampler
constexpr float kPostSlope = 0.01f;       // LeakyReLU before conv_post (PyTorch's default)
constexpr size_t kBlocksPerStage = 3;
}  // namespace

struct GeneratorConvs {
  FloatConvTranspose1d ups[2];
  QuantizedConv1d noise0;  // k12, stride 6, pad 3
  QuantizedConv1d noise1;         // 1×1
  FloatConv1d post;               // 128 → 22, k7, pad 3
};

KokoroGenerator::KokoroGenerator(const KokoroWeights& w)
    : source_(std::make_unique<SineSource>(w)),
      stft_(std::make_unique<StftAnalysis>(w)),
      convs_(std::make_unique<GeneratorConvs>()),
      istft_(std::make_unique<IstftSynthesis>(w)) {
  const std::string m = kModule;
  convs_->ups[0] = FloatConvTranspose1d(require_param(w, m + ".ups.0", "weight"),
                                        require_param(w, m + ".ups.0", "bias"), 10, 5);
  convs_->ups[1] = FloatConvTranspose1d(require_param(w, m + ".ups.1", "weight"),
                                        require_param(w, m + ".ups.1", "bias"), 6, 3);
  convs_->noise0 = QuantizedConv1d(require_param(w, m + ".noise_convs.0", "weight"),
                                   &require_param(w, m + ".noise_convs.0", "bias"), 3, 1, 6);
  convs_->noise1 = QuantizedConv1d(require_param(w, m + ".noise_convs.1", "weight"),
                                   &require_param(w, m + ".noise_convs.1", "bias"), 0);
  convs_->post = FloatConv1d(require_param(w, m + ".conv_post", "weight"),
                             require_param(w, m + ".conv_post", "bias"), 3);
  for (size_t i = 0; i < 2; ++i) noise_res_.emplace_back(w, m + ".noise_res." + std::to_string(i));
  for (size_t i = 0; i < 6; ++i) resblocks_.emplace_back(w, m + ".resblocks." + std::to_string(i));
  if (convs_->ups[0].in_channels() != kInputChannels ||
      convs_->ups[1].in_channels() != convs_->ups[0].out_channels() ||
      noise_res_[0].channels() != convs_->ups[0].out_channels() ||
      noise_res_[1].channels() != convs_->ups[1].out_channels() ||
      convs_->noise0.out_channels() != convs_->ups[0].out_channels() ||
      convs_->noise1.out_channels() != convs_->ups[1].out_channels() ||
      convs_->post.out_channels() != kStftChannels) {
    throw Error(StatusCode::kDataError, "Kokoro weights: the generator's widths do not fit");
  }
}

KokoroGenerator::~KokoroGenerator() = default;
KokoroGenerator::KokoroGenerator(KokoroGenerator&&) noexcept = default;
KokoroGenerator& KokoroGenerator::operator=(KokoroGenerator&&) noexcept = default;

Result<std::vector<float>> KokoroGenerator::forward(std::span<const float> x, size_t frames2,
                                                    std::span<const float> f0,
                                                    std::span<const float> style) const {
  return forward(x, frames2, f0, style, nullptr);
}

std::vector<float> KokoroGenerator::source(std::span<const float> f0) const {
  return source_->forward(f0);
}

Result<std::vector<float>> KokoroGenerator::forward(std::span<const float> x, size_t frames2,
                                                    std::span<const float> f0,
                                                    std::span<const float> style,
                                                    Trace* trace) const {
  if (f0.size() != frames2) {
    return Status(StatusCode::kInvalidArgument,
                  "KokoroGenerator: needs one F0 value per frame (got " + std::to_string(f0.size()) +
                      " for " + std::to_string(frames2) + " frames)");
  }
  return forward_source(x, frames2, source(f0), style, trace);
}

Result<std::vector<float>> KokoroGenerator::forward_source(std::span<const float> x, size_t frames2,
                                                           std::span<const float> source,
                                                           std::span<const float> style,
                                                           Trace* trace) const {
  if (frames2 < 2 || x.size() != frames2 * kInputChannels ||
      source.size() != frames2 * kSamplesPerFrame || style.size() < kStyleValues) {
    return Status(StatusCode::kInvalidArgument,
                  "KokoroGenerator: needs x [frames2 x 512], 300 source samples a frame and a "
                  "style row, frames2 >= 2 (got " + std::to_string(frames2) + " frames, " +
                      std::to_string(x.size()) + " values, " + std::to_string(source.size()) +
                      " source samples, " + std::to_string(style.size()) + " style values)");
  }
  QuantizedActivations style_q;
  dynamic_quantize_linear(style.first(kStyleValues), &style_q);

  // The harmonic source's spectrum; both noise branches read the same uint8 codes.
  const size_t stft_frames = StftAnalysis::frames(source.size());
  const bool fed = trace != nullptr && trace->feed_har.size() == stft_frames * kStftChannels;
  const std::vector<float> har = fed ? trace->feed_har : stft_->forward(source);
  QuantizedActivations har_q;
  dynamic_quantize_linear(har, &har_q);

  auto mean_of_blocks = [&](size_t first, const std::vector<float>& h, size_t steps) {
    std::vector<float> sum = resblocks_[first].forward(h, steps, style_q);
    for (size_t b = 1; b < kBlocksPerStage; ++b) {
      const std::vector<float> r = resblocks_[first + b].forward(h, steps, style_q);
      for (size_t i = 0; i < sum.size(); ++i) sum[i] += r[i];
    }
    for (float& v : sum) v = v / 3.0f;
    return sum;
  };

  // Stage 0: ×10.
  std::vector<float> h(x.begin(), x.end());
  leaky_relu(h, kUpsampleSlope);
  h = convs_->ups[0].forward(h, frames2);
  size_t steps = convs_->ups[0].output_steps(frames2);
  std::vector<float> noise;
  convs_->noise0.forward(har_q, stft_frames, &noise);
  noise = noise_res_[0].forward(noise, steps, style_q);
  if (noise.size() != h.size()) {
    return Status(StatusCode::kInternal, "KokoroGenerator: the noise branch of stage 0 has " +
                                             std::to_string(noise.size()) + " values, not " +
                                             std::to_string(h.size()));
  }
  if (trace != nullptr) {
    trace->ups0 = h;
    trace->noise0 = noise;
  }
  for (size_t i = 0; i < h.size(); ++i) h[i] = h[i] + noise[i];
  if (trace != nullptr) trace->stage0 = h;
  h = mean_of_blocks(0, h, steps);
  if (trace != nullptr) trace->blocks0 = h;

  // Stage 1: ×6, then the reflection pad (1, 0): a copy of step 1 in front.
  leaky_relu(h, kUpsampleSlope);
  const size_t c1 = convs_->ups[1].out_channels();
  std::vector<float> up = convs_->ups[1].forward(h, steps);
  steps = convs_->ups[1].output_steps(steps) + 1;
  h.assign(steps * c1, 0.0f);
  std::copy(up.begin() + static_cast<std::ptrdiff_t>(c1),
            up.begin() + static_cast<std::ptrdiff_t>(2 * c1), h.begin());
  std::copy(up.begin(), up.end(), h.begin() + static_cast<std::ptrdiff_t>(c1));
  convs_->noise1.forward(har_q, stft_frames, &noise);
  noise = noise_res_[1].forward(noise, stft_frames, style_q);
  if (noise.size() != h.size()) {
    return Status(StatusCode::kInternal, "KokoroGenerator: the noise branch of stage 1 has " +
                                             std::to_string(noise.size()) + " values, not " +
                                             std::to_string(h.size()));
  }
  if (trace != nullptr) {
    trace->ups1 = up;
    trace->noise1 = noise;
  }
  for (size_t i = 0; i < h.size(); ++i) h[i] = h[i] + noise[i];
  if (trace != nullptr) trace->stage1 = h;
  h = mean_of_blocks(3, h, steps);
  if (trace != nullptr) trace->blocks1 = h;

  leaky_relu(h, kPostSlope);
  std::vector<float> spec = convs_->post.forward(h, steps);
  std::vector<float> audio = istft_->forward(spec, steps);
  if (trace != nullptr) {
    trace->source.assign(source.begin(), source.end());
    trace->har = har;
    trace->spec = std::move(spec);
  }
  return audio;
}

}  // namespace stream_tts::kokoro
