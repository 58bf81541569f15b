// The Kokoro decoder's pieces that can be checked on their own: the stride-2 curve convolution
// (F0_conv / N_conv) on hand-computed values, the AdaIN instance norm against the graph's
// step-by-step arithmetic, and, on the installed model (skipped without it),
// the decoder's block structure, its argument checks, and forward() from several threads at once.
// Parity with onnxruntime is tests/parity/kokoro_decoder_parity_test.cpp.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "models/model_store.h"
#include "tts/kokoro/adain_block.h"
#include "tts/kokoro/decoder.h"
#include "tts/kokoro/duration_predictor.h"
#include "tts/kokoro/frame_features.h"
#include "tts/kokoro/kokoro_weights.h"

namespace stream_tts::kokoro {
namespace {

TEST(KokoroCurveDownsampler, StrideTwoWithPaddingAndIntegerBias) {
  // x = [0, 1, 2, 3]: scale 3/255, zero point 0, codes [0, 85, 170, 255]; taps [1, 2, 3].
  const std::array<uint8_t, 3> w = {1, 2, 3};
  const float x_scale = 3.0f / 255.0f;
  const std::vector<float> x = {0, 1, 2, 3};
  // y[0] = pad·1 + 0·2 + 85·3 = 255; y[1] = 85·1 + 170·2 + 255·3 = 1190.
  const auto y = CurveDownsampler(w, 0, 1.0f, 0.0f).forward(x);
  ASSERT_EQ(y.size(), 2u);
  EXPECT_EQ(y[0], static_cast<float>(255) * x_scale);
  EXPECT_EQ(y[1], static_cast<float>(1190) * x_scale);
  // The bias joins in int32: floor(-0.01 / x_scale) = floor(-0.85) = -1 code, not -0.01.
  const auto biased = CurveDownsampler(w, 0, 1.0f, -0.01f).forward(x);
  EXPECT_EQ(biased[0], static_cast<float>(254) * x_scale);
  EXPECT_EQ(biased[1], static_cast<float>(1189) * x_scale);
  // An odd length gives (n + 1) / 2 outputs; the last reads padding on its right.
  EXPECT_EQ(CurveDownsampler(w, 0, 1.0f, 0.0f).forward(std::vector<float>{0, 1, 2, 3, 4}).size(),
            3u);
}

TEST(KokoroCurveDownsampler, PaddingAddsNothingWhateverTheZeroPoints) {
  // x = [-1, 3]: scale 4/255, zero point round(63.75) = 64, codes [0, 255]; the weight's zero
  // point 10 makes the taps [-9, -8, -7]. y[0] = pad + (0 − 64)(−8) + (255 − 64)(−7) = −825: the
  // padding tap adds nothing (it reads the input's zero point), not (0 − 64)(−9).
  const std::array<uint8_t, 3> w = {1, 2, 3};
  const auto y = CurveDownsampler(w, 10, 0.5f, 0.0f).forward(std::vector<float>{-1.0f, 3.0f});
  ASSERT_EQ(y.size(), 1u);
  const float scale = (4.0f / 255.0f) * 0.5f;
  EXPECT_EQ(y[0], static_cast<float>(-825) * scale);
}

// The instance norm as the graph writes it, step by step on whole tensors (the first version of
// ada_instance_norm): ReduceMean → Sub → Mul → ReduceMean → Add ε → Sqrt → Div, then (1 + γ)·n + β.
std::vector<float> instance_norm_reference(const std::vector<float>& x, size_t channels,
                                           const std::vector<float>& gamma_beta,
                                           bool channels_first) {
  const size_t frames = x.size() / channels;
  auto channel_sums = [&](const std::vector<float>& v) {
    std::vector<float> sums(channels, 0.0f), row(frames);
    for (size_t c = 0; c < channels; ++c) {
      if (channels_first) {
        for (size_t f = 0; f < frames; ++f) row[f] = v[f * channels + c];
        sums[c] = eigen_sum(row.data(), frames, c * frames);
      } else {
        sums[c] = v[c];
        for (size_t f = 1; f < frames; ++f) sums[c] += v[f * channels + c];
      }
    }
    return sums;
  };
  std::vector<float> mean = channel_sums(x);
  for (float& m : mean) m = m / static_cast<float>(frames);
  std::vector<float> centred(x.size()), squares(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    centred[i] = x[i] - mean[i % channels];
    squares[i] = centred[i] * centred[i];
  }
  std::vector<float> deviation = channel_sums(squares);
  for (float& d : deviation) d = std::sqrt(d / static_cast<float>(frames) + 1e-5f);
  std::vector<float> y(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    const size_t c = i % channels;
    y[i] = (gamma_beta[c] + 1.0f) * (centred[i] / deviation[c]) + gamma_beta[channels + c];
  }
  return y;
}

TEST(KokoroInstanceNorm, CacheFriendlyLoopsKeepEveryBit) {
  // Sizes around the transpose's tiles and Eigen's packets; values with a large common offset,
  // where a changed summation order shows in the last bits.
  std::mt19937 rng(11);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (size_t channels : {1, 3, 16, 17, 66}) {
    for (size_t frames : {1, 2, 5, 16, 33, 130}) {
      std::vector<float> x(frames * channels), gamma_beta(2 * channels);
      for (float& v : x) v = 3.0f + normal(rng);
      for (float& v : gamma_beta) v = normal(rng);
      for (bool channels_first : {false, true}) {
        std::vector<float> y;
        ada_instance_norm(x, channels, gamma_beta, channels_first, &y);
        EXPECT_EQ(y, instance_norm_reference(x, channels, gamma_beta, channels_first))
            << channels << " channels, " << frames << " frames, channels_first " << channels_first;
      }
    }
  }
}

std::string model_path() {
  try {
    return (models::resolve_model("kokoro-ja") / "kokoro-v1.0.int8.onnx").string();
  } catch (const std::exception&) {
    return "";
  }
}

TEST(KokoroDecoder, RealModelBlocksChecksAndThreads) {
  const std::string path = model_path();
  if (path.empty())
    GTEST_SKIP() << "needs the kokoro-ja model: stream-tts models install kokoro-ja";
  const KokoroWeights weights = KokoroWeights::load(path);
  const KokoroDecoder decoder(weights);
  // encode 514 → 1024 and decode.0-2 1090 → 1024 with learned shortcuts, decode.3 upsampling.
  EXPECT_EQ(decoder.block(0).channels(), 514u);
  for (size_t k = 0; k < KokoroDecoder::kBlocks; ++k) {
    EXPECT_TRUE(decoder.block(k).learned_shortcut()) << k;
    EXPECT_EQ(decoder.block(k).upsamples(), k == 4) << k;
    if (k > 0) EXPECT_EQ(decoder.block(k).channels(), 1090u) << k;
  }
  EXPECT_EQ(decoder.block(4).out_channels(), 512u);
  // The predictor's first F0 block keeps its width and adds x itself.
  const AdainResBlock f0_0(weights, "encoder.predictor.F0.0", false);
  EXPECT_FALSE(f0_0.learned_shortcut());

  const std::vector<int64_t> durations = {2, 1, 3, 1};
  const size_t frames = 7;
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> t_en(durations.size() * 512), f0(2 * frames), n(2 * frames), style(256);
  for (float& v : t_en) v = normal(rng);
  for (float& v : f0) v = 200.0f + 20.0f * normal(rng);
  for (float& v : n) v = normal(rng);
  for (float& v : style) v = 0.1f * normal(rng);

  EXPECT_EQ(decoder.forward(t_en, durations, f0, n, std::span(style).first(128)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(decoder.forward(t_en, durations, std::span(f0).first(frames), n, style).status().code(),
            StatusCode::kInvalidArgument);
  const std::vector<int64_t> zero = {2, 0, 3, 1};
  EXPECT_EQ(decoder.forward(t_en, zero, f0, n, style).status().code(),
            StatusCode::kInvalidArgument);

  auto once = decoder.forward(t_en, durations, f0, n, style);
  ASSERT_TRUE(once.is_ok()) << once.status().to_string();
  EXPECT_EQ(once->frames2, 2 * frames);
  ASSERT_EQ(once->x.size(), 2 * frames * KokoroDecoder::kOutputChannels);
  for (float v : once->x) ASSERT_TRUE(std::isfinite(v));
  // From the frames directly: the same values.
  auto from_frames =
      decoder.forward_frames(expand_to_frames(t_en, 512, durations), frames, f0, n, style);
  ASSERT_TRUE(from_frames.is_ok());
  EXPECT_EQ(from_frames->x, once->x);
  // Several threads on one decoder: each gets the single-threaded result.
  std::vector<std::vector<float>> results(3);
  std::vector<std::thread> threads;
  for (auto& r : results) {
    threads.emplace_back([&] {
      auto out = decoder.forward(t_en, durations, f0, n, style);
      if (out.is_ok()) r = std::move(out->x);
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& r : results) EXPECT_EQ(r, once->x);
}

}  // namespace
}  // namespace stream_tts::kokoro
