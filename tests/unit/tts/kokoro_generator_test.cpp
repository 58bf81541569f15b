// The generator's pieces that can be checked without onnxruntime: Sin/Cos against values onnxruntime
// 1.32 computed (where libm's differ), the Snake activation, the linear Resize, the STFT against an
// exact DFT, and on the installed model the source of silence and the generator's shapes and errors.
// Parity with onnxruntime itself: tests/parity/kokoro_generator_parity_test.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <string>
#include <thread>
#include <vector>

#include "models/model_store.h"
#include "tts/kokoro/generator.h"
#include "tts/kokoro/istft.h"
#include "tts/kokoro/kokoro_weights.h"
#include "tts/kokoro/mlas_math.h"
#include "tts/kokoro/onnx_trig.h"
#include "tts/kokoro/sine_source.h"
#include "tts/kokoro/snake_resblock.h"

namespace stream_tts::kokoro {
namespace {

struct Pair {
  float x, y;
};

// onnxruntime 1.32's Sin and Cos outputs (CPU, one thread) for inputs where libm's sinf/cosf give
// another float: small, medium and Payne-Hanek-range arguments.
TEST(KokoroGenerator, SinCosMatchOnnxRuntime) {
  const Pair sines[] = {{-9.18052959f, -0.241827056f}, {7.14808559f, 0.761030614f},
                        {-9.32828808f, -0.0963402316f}, {44.6645737f, 0.63056159f},
                        {195.276352f, 0.477324486f},   {-51450.3047f, 0.427567035f},
                        {74750.0234f, -0.858410001f},  {89231.4297f, -0.698677659f}};
  for (const Pair& p : sines) EXPECT_EQ(onnx_sin(p.x), p.y) << "sin(" << p.x << ")";
  const Pair cosines[] = {{0.872499824f, 0.642913818f},   {7.14808559f, 0.648715973f},
                          {-1.54625559f, 0.0245382767f},  {-111.977104f, 0.435474187f},
                          {79.4249878f, -0.633156836f},   {67957.4609f, 0.0992875099f},
                          {-90206.9531f, 0.739593506f},   {-73834.7031f, 0.546530843f}};
  for (const Pair& p : cosines) EXPECT_EQ(onnx_cos(p.x), p.y) << "cos(" << p.x << ")";
  // Accurate to a few ulp everywhere, and odd / even.
  for (float x = -2000.0f; x < 2000.0f; x += 0.37f) {
    EXPECT_NEAR(onnx_sin(x), std::sin(static_cast<double>(x)), 3e-7) << x;
    EXPECT_NEAR(onnx_cos(x), std::cos(static_cast<double>(x)), 3e-7) << x;
    EXPECT_EQ(onnx_sin(-x), -onnx_sin(x));
    EXPECT_EQ(onnx_cos(-x), onnx_cos(x));
  }
}

TEST(KokoroGenerator, SnakeAddsScaledSquaredSine) {
  std::vector<float> x = {0.0f, 1.0f, -2.0f, 0.5f};  // two steps of two channels
  const std::vector<float> alpha = {2.0f, 0.5f}, inv = {0.5f, 2.0f};
  snake(x, alpha, inv);
  EXPECT_EQ(x[0], 0.0f);
  EXPECT_NEAR(x[1], 1.0f + 2.0f * std::pow(std::sin(0.5), 2), 1e-6);
  EXPECT_NEAR(x[2], -2.0f + 0.5f * std::pow(std::sin(-4.0), 2), 1e-6);
  EXPECT_NEAR(x[3], 0.5f + 2.0f * std::pow(std::sin(0.25), 2), 1e-6);
}

// The vectorised Snake (AVX2 where the CPU has it) computes exactly what the scalar onnx_sin does,
// also for the lanes that need the large-argument reduction.
TEST(KokoroGenerator, SnakeEqualsScalarOnnxSin) {
  const size_t steps = 37, channels = 21;
  std::vector<float> alpha(channels), inv(channels), x(steps * channels);
  for (size_t c = 0; c < channels; ++c) {
    alpha[c] = 0.3f + 0.17f * static_cast<float>(c);
    inv[c] = 1.0f / alpha[c];
  }
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = (i % 11 == 0 ? 9000.0f : 1.0f) * std::sin(0.37f * static_cast<float>(i)) * 3.0f;
  std::vector<float> expected = x;
  for (size_t i = 0; i < x.size(); ++i) {
    const size_t c = i % channels;
    const float s = onnx_sin(alpha[c] * x[i]);
    expected[i] = x[i] + inv[c] * (s * s);
  }
  snake(x, alpha, inv);
  for (size_t i = 0; i < x.size(); ++i) ASSERT_EQ(x[i], expected[i]) << i;
}

TEST(KokoroGenerator, LinearResizeHalfPixel) {
  // One row 0, 1, 2, 3 up ×2: source coordinates (x + 0.5) / 2 − 0.5, clamped at both ends.
  const std::vector<float> in = {0, 1, 2, 3};
  std::vector<float> out;
  resize_linear_rows(in, 1, 4, 2.0f, 8, &out);
  const std::vector<float> expected = {0, 0.25f, 0.75f, 1.25f, 1.75f, 2.25f, 2.75f, 3};
  ASSERT_EQ(out.size(), expected.size());
  for (size_t i = 0; i < out.size(); ++i) EXPECT_FLOAT_EQ(out[i], expected[i]) << i;
  // Down ×1/2: each output between two inputs.
  resize_linear_rows(expected, 1, 8, 0.5f, 4, &out);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_FLOAT_EQ(out[0], 0.125f);
  EXPECT_FLOAT_EQ(out[3], 2.875f);
}

class KokoroGeneratorModel : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      const std::string dir = models::resolve_model("kokoro-ja").string();
      weights_ = new KokoroWeights(KokoroWeights::load(dir + "/kokoro-v1.0.int8.onnx"));
    } catch (const std::exception&) {
      weights_ = nullptr;
    }
  }
  static void TearDownTestSuite() {
    delete weights_;
    weights_ = nullptr;
  }
  void SetUp() override {
    if (weights_ == nullptr)
      GTEST_SKIP() << "needs the kokoro-ja model: stream-tts models install kokoro-ja";
  }
  static KokoroWeights* weights_;
};
KokoroWeights* KokoroGeneratorModel::weights_ = nullptr;

TEST_F(KokoroGeneratorModel, StftMatchesAnExactDft) {
  const StftAnalysis stft(*weights_);
  std::vector<float> samples(400);
  for (size_t i = 0; i < samples.size(); ++i)
    samples[i] = static_cast<float>(0.3 * std::sin(0.7 * static_cast<double>(i)) +
                                    0.1 * std::cos(2.1 * static_cast<double>(i)));
  const std::vector<float> har = stft.forward(samples);
  ASSERT_EQ(har.size(), StftAnalysis::frames(samples.size()) * kStftChannels);
  // Frame 10 lies inside the signal (no reflection): its samples 40..59, a periodic Hann window.
  const float* frame = har.data() + 10 * kStftChannels;
  for (size_t k = 0; k < kStftBins; ++k) {
    double re = 0, im = 0;
    for (size_t n = 0; n < kStftFft; ++n) {
      const double w = 0.5 - 0.5 * std::cos(2 * std::numbers::pi * static_cast<double>(n) / 20);
      const double a = 2 * std::numbers::pi * static_cast<double>(k * n) / 20;
      re += samples[40 + n] * w * std::cos(a);
      im -= samples[40 + n] * w * std::sin(a);
    }
    EXPECT_NEAR(frame[k], std::hypot(re, im), 2e-6) << "bin " << k;
    if (std::hypot(re, im) > 1e-3) {
      const double phase = std::remainder(frame[kStftBins + k] - std::atan2(im, re), 2 * std::numbers::pi);
      EXPECT_NEAR(phase, 0.0, 1e-4) << "bin " << k;
    }
  }
}

TEST_F(KokoroGeneratorModel, SilenceGivesAConstantSource) {
  const SineSource source(*weights_);
  const std::vector<float> f0(4, 0.0f);  // unvoiced: every harmonic is masked
  const std::vector<float> s = source.forward(f0);
  ASSERT_EQ(s.size(), 4 * SineSource::kUpsample);
  for (float v : s) EXPECT_EQ(v, s[0]);
  EXPECT_NEAR(s[0], std::tanh(-0.02945026), 1e-6);  // tanh(l_linear's bias)
}

TEST_F(KokoroGeneratorModel, ShapesAndErrors) {
  const KokoroGenerator generator(*weights_);
  const size_t frames2 = 6;
  std::vector<float> x(frames2 * KokoroGenerator::kInputChannels), f0(frames2), style(256, 0.1f);
  for (size_t i = 0; i < x.size(); ++i) x[i] = 0.01f * static_cast<float>(i % 97) - 0.4f;
  for (size_t i = 0; i < frames2; ++i) f0[i] = i < 3 ? 0.0f : 180.0f;
  auto audio = generator.forward(x, frames2, f0, style);
  ASSERT_TRUE(audio.is_ok()) << audio.status().to_string();
  EXPECT_EQ(audio->size(), frames2 * KokoroGenerator::kSamplesPerFrame);
  for (float v : *audio) ASSERT_TRUE(std::isfinite(v));
  // Deterministic: no noise in the export.
  auto again = generator.forward(x, frames2, f0, style);
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(*audio, *again);
  EXPECT_FALSE(generator.forward(x, frames2, std::vector<float>(frames2 - 1), style).is_ok());
  EXPECT_FALSE(generator.forward(x, frames2, f0, std::vector<float>(100)).is_ok());
  EXPECT_FALSE(generator.forward(std::vector<float>(10), frames2, f0, style).is_ok());
}

// forward() is const and keeps no state: two threads at once get what one thread gets.
TEST_F(KokoroGeneratorModel, ForwardFromTwoThreads) {
  const KokoroGenerator generator(*weights_);
  const size_t frames2 = 4;
  std::vector<float> x(frames2 * KokoroGenerator::kInputChannels), f0(frames2, 220.0f),
      style(256, -0.05f);
  for (size_t i = 0; i < x.size(); ++i) x[i] = 0.02f * static_cast<float>(i % 31) - 0.3f;
  auto reference = generator.forward(x, frames2, f0, style);
  ASSERT_TRUE(reference.is_ok());
  std::vector<float> results[2];
  std::thread threads[2];
  for (int t = 0; t < 2; ++t) {
    threads[t] = std::thread([&, t] {
      for (int round = 0; round < 3; ++round) {
        auto audio = generator.forward(x, frames2, f0, style);
        if (audio.is_ok()) results[t] = *audio;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(results[0], *reference);
  EXPECT_EQ(results[1], *reference);
}

}  // namespace
}  // namespace stream_tts::kokoro
