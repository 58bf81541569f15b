// The kernels of Kokoro's text encoder and duration predictor on small, hand-checkable cases:
// MLAS's sigmoid / tanh, DynamicQuantizeLSTM, ConvInteger 1-D with its int32 bias, AdaLayerNorm,
// LayerNormalization and Eigen's summation order (ReduceSum). tests/parity/ checks the same kernels
// against onnxruntime on the real model.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "tts/kokoro/adain_block.h"
#include "tts/kokoro/duration_predictor.h"
#include "tts/kokoro/mlas_math.h"
#include "tts/kokoro/quantized_conv1d.h"
#include "tts/kokoro/quantized_lstm.h"
#include "tts/kokoro/quantized_ops.h"

namespace stream_tts::kokoro {
namespace {

TEST(KokoroMlasMath, MatchesOnnxRuntimeBitForBit) {
  // x, onnxruntime 1.32's Tanh(x), Sigmoid(x) on x86-64 (AVX-512 host). Rows 4 and 6 are inputs
  // where the correctly rounded tanh differs from ORT's; rows 3, 5, 7 and 10 the same for sigmoid.
  const float cases[][3] = {
      {0.283719003f, 0.276343584f, 0.570457757f}, {10.7675867f, 1.0f, 0.9999789f},
      {-2.17922068f, -0.974726796f, 0.101632059f}, {0.247863993f, 0.242909715f, 0.561650693f},
      {8.42221165f, 0.999999881f, 0.999780178f},  {1.29725826f, 0.861015737f, 0.785373211f},
      {-19.9599991f, -1.0f, 0.0f},                {0.0f, 0.0f, 0.5f},
      {19.6000004f, 1.0f, 1.0f},                  {-8.0f, -0.999999762f, 0.000335425138f}};
  for (const auto& c : cases) {
    EXPECT_EQ(mlas_tanh(c[0]), c[1]) << c[0];
    EXPECT_EQ(mlas_logistic(c[0]), c[2]) << c[0];
  }
  std::vector<float> v = {0.283719003f, -8.0f};
  mlas_tanh(v);
  EXPECT_EQ(v[0], 0.276343584f);
  EXPECT_EQ(v[1], -0.999999762f);
}

// One direction, input 1, hidden 1: centred weights for the gates i, o, f, c.
QuantizedLstm tiny_lstm(std::vector<int16_t> w, float w_scale, std::vector<int16_t> r,
                        float r_scale, std::vector<float> bias) {
  return QuantizedLstm(1, 1, 1, w, std::vector<float>{w_scale}, r, std::vector<float>{r_scale},
                       bias);
}

TEST(KokoroLstm, BiasOnlyFollowsTheGateEquations) {
  // W = R = 0: the gates are the biases Wb + Rb: i, o, f = sigmoid(0) = 0.5, c̃ = tanh(1 + 1).
  const QuantizedLstm lstm = tiny_lstm({0, 0, 0, 0}, 1.0f, {0, 0, 0, 0}, 1.0f,
                                       {0, 0, 0, 1, /*Rb*/ 0, 0, 0, 1});
  std::vector<float> y;
  lstm.forward(std::vector<float>{0.3f, -0.7f}, 2, &y);
  ASSERT_EQ(y.size(), 2u);
  const float half = mlas_logistic(0.0f), candidate = mlas_tanh(2.0f);
  EXPECT_EQ(half, 0.5f);
  const float c1 = 0.0f * half + half * candidate;
  EXPECT_EQ(y[0], mlas_tanh(c1) * half);
  const float c2 = c1 * half + half * candidate;
  EXPECT_EQ(y[1], mlas_tanh(c2) * half);
}

TEST(KokoroLstm, InputIsQuantisedOnceForTheWholeSequence) {
  // x = [1, -1]: range [-1, 1], scale 2/255, and ±1 / scale = ±127.49998 in float: zero point
  // 127, codes 254 and 0, centred 127 and -127 — the whole sequence shares one scale and zero
  // point.
  QuantizedActivations q;
  dynamic_quantize_linear(std::vector<float>{1.0f, -1.0f}, &q);
  ASSERT_EQ(q.zero_point, 127);
  ASSERT_EQ(q.values, (std::vector<uint8_t>{254, 0}));
  const float w_scale = 0.5f;
  const QuantizedLstm lstm = tiny_lstm({2, 0, 0, 0}, w_scale, {0, 0, 0, 0}, 1.0f,
                                       {0, 0, 0, 1, 0, 0, 0, 0});
  std::vector<float> y;
  lstm.forward(std::vector<float>{1.0f, -1.0f}, 2, &y);
  const float x_scale = 2.0f / 255.0f;
  const float i1 = mlas_logistic(static_cast<float>(127 * 2) * (x_scale * w_scale));
  const float i2 = mlas_logistic(static_cast<float>(-127 * 2) * (x_scale * w_scale));
  const float half = 0.5f, candidate = mlas_tanh(1.0f);
  const float c1 = i1 * candidate;
  const float c2 = c1 * half + i2 * candidate;
  EXPECT_EQ(y[0], mlas_tanh(c1) * half);
  EXPECT_EQ(y[1], mlas_tanh(c2) * half);
}

TEST(KokoroLstm, HiddenStateIsQuantisedAtEachStep) {
  // R feeds h back: h > 0 alone quantises to scale h/255, zero point 0, code 255.
  const float r_scale = 0.25f;
  const QuantizedLstm lstm = tiny_lstm({0, 0, 0, 0}, 1.0f, {0, 0, 0, 3}, r_scale,
                                       {0, 0, 0, 1, 0, 0, 0, 0});
  std::vector<float> y;
  lstm.forward(std::vector<float>{0.0f, 0.0f}, 2, &y);
  const float half = 0.5f;
  const float c1 = half * mlas_tanh(1.0f);
  const float h1 = mlas_tanh(c1) * half;
  ASSERT_EQ(y[0], h1);
  const float h_scale = (h1 - 0.0f) / 255.0f;
  const float pre = static_cast<float>(255 * 3) * (h_scale * r_scale) + 0.0f;
  const float c2 = c1 * half + half * mlas_tanh(pre + 1.0f);
  EXPECT_EQ(y[1], mlas_tanh(c2) * half);
}

TEST(KokoroLstm, ReverseDirectionReadsTheSequenceBackwards) {
  const std::vector<int16_t> w = {3, -2, 1, 5}, r = {-1, 2, 4, -3};
  const std::vector<float> bias = {0.1f, 0.2f, -0.3f, 0.4f, 0.05f, 0.0f, 0.1f, -0.2f};
  const QuantizedLstm forward_only = tiny_lstm(w, 0.1f, r, 0.2f, bias);
  std::vector<int16_t> w2 = w, r2 = r;
  w2.insert(w2.end(), w.begin(), w.end());
  r2.insert(r2.end(), r.begin(), r.end());
  std::vector<float> b2 = bias;
  b2.insert(b2.end(), bias.begin(), bias.end());
  const QuantizedLstm both(2, 1, 1, w2, std::vector<float>{0.1f, 0.1f}, r2,
                           std::vector<float>{0.2f, 0.2f}, b2);
  const std::vector<float> x = {0.5f, -1.0f, 2.0f, 0.25f}, reversed = {0.25f, 2.0f, -1.0f, 0.5f};
  std::vector<float> y, y_forward, y_reversed;
  both.forward(x, 4, &y);
  forward_only.forward(x, 4, &y_forward);
  forward_only.forward(reversed, 4, &y_reversed);
  for (size_t t = 0; t < 4; ++t) {
    EXPECT_EQ(y[t * 2], y_forward[t]) << t;
    EXPECT_EQ(y[t * 2 + 1], y_reversed[3 - t]) << t;
  }
}

TEST(KokoroConv1d, IntegerConvolutionWithFlooredBias) {
  // x = [1, 2, 3] (one channel): range [0, 3], scale 3/255, zero point 0, codes 85, 170, 255.
  // Kernel [1, 0, -1], padding 1: acc = x[t-1] - x[t+1] = -170, -170, 170.
  const float w_scale = 0.1f, bias = 0.5f;
  const QuantizedConv1d conv(1, 1, 3, std::vector<int16_t>{1, 0, -1}, w_scale, {bias}, 1);
  std::vector<float> y;
  conv.forward(std::vector<float>{1.0f, 2.0f, 3.0f}, 3, &y);
  ASSERT_EQ(y.size(), 3u);
  const float scale = (3.0f / 255.0f) * w_scale;
  const auto bias_q = static_cast<int32_t>(std::floor(bias / scale));
  EXPECT_EQ(y[0], static_cast<float>(-170 + bias_q) * scale);
  EXPECT_EQ(y[1], static_cast<float>(-170 + bias_q) * scale);
  EXPECT_EQ(y[2], static_cast<float>(170 + bias_q) * scale);
}

TEST(KokoroConv1d, DilationPaddingAndChannels) {
  // Two input channels, two outputs, kernel 2, dilation 2, padding 1: 4 steps in, 3 out.
  // Weights [out][in][k]; no bias: y = acc · x_scale · w_scale.
  const std::vector<int16_t> w = {1, 2, 3, 4, /*out 1*/ -1, 0, 0, 1};
  const QuantizedConv1d conv(2, 2, 2, w, 1.0f, {}, 1, 2);
  ASSERT_EQ(conv.output_steps(4), 4u + 2 - 2);
  // x [steps x channels]; range [0, 255/255·k]: choose codes directly with scale 1/255·255 = 1.
  const std::vector<float> x = {0, 255, 51, 102, 153, 204, 255, 0};  // channel values 0..255
  std::vector<float> y;
  conv.forward(x, 4, &y);
  ASSERT_EQ(y.size(), 4u * 2);
  // Codes equal the values (scale 1, zero point 0). Output t reads steps t - 1 and t + 1.
  auto at = [&](int t, int c) { return (t < 0 || t >= 4) ? 0 : static_cast<int>(x[t * 2 + c]); };
  for (int t = 0; t < 4; ++t) {
    const int o0 = 1 * at(t - 1, 0) + 2 * at(t + 1, 0) + 3 * at(t - 1, 1) + 4 * at(t + 1, 1);
    const int o1 = -1 * at(t - 1, 0) + 0 * at(t + 1, 0) + 0 * at(t - 1, 1) + 1 * at(t + 1, 1);
    EXPECT_EQ(y[t * 2], static_cast<float>(o0)) << t;
    EXPECT_EQ(y[t * 2 + 1], static_cast<float>(o1)) << t;
  }
}

TEST(KokoroNorms, AdaLayerNormScalesByOnePlusGamma) {
  const std::vector<float> x = {1, 2, 3, 4};
  std::vector<float> y;
  ada_layer_norm(x, 4, std::vector<float>{0, 0, 0, 0, 0, 0, 0, 0}, &y);
  const float deviation = std::sqrt(1.25f + 1e-5f);
  for (size_t c = 0; c < 4; ++c) EXPECT_NEAR(y[c], (x[c] - 2.5f) / deviation, 1e-6f);
  // γ = 1 doubles the normalised value, β = 1 shifts it.
  ada_layer_norm(x, 4, std::vector<float>{1, 1, 1, 1, 1, 1, 1, 1}, &y);
  for (size_t c = 0; c < 4; ++c) EXPECT_NEAR(y[c], 2 * (x[c] - 2.5f) / deviation + 1, 1e-6f);
}

TEST(KokoroNorms, LayerNormalizationOfConstantRowIsBeta) {
  std::vector<float> y;
  layer_norm_onnx(std::vector<float>{3, 3, 3, 3, 1, 2, 3, 4}, 4,
                  std::vector<float>{2, 2, 2, 2}, std::vector<float>{0.5f, 0.5f, 0.5f, 0.5f},
                  1e-5f, &y);
  for (size_t c = 0; c < 4; ++c) EXPECT_EQ(y[c], 0.5f);
  EXPECT_NEAR(y[4], 2 * (1 - 2.5f) / std::sqrt(1.25f + 1e-5f) + 0.5f, 1e-5f);
}

TEST(KokoroNorms, SkipLayerNormalizationAddsTheSkipFirst) {
  // x + skip = [1, 2, 3, 4]: Welford's mean 2.5 and M2 5 are exact here, so y = (v - 2.5) /
  // sqrt(1.25 + eps) · gamma + beta.
  std::vector<float> y;
  skip_layer_norm_onnx(std::vector<float>{0, 1, 1, 5}, std::vector<float>{1, 1, 2, -1}, 4,
                       std::vector<float>{1, 1, 1, 2}, std::vector<float>{0, 0, 0, 1}, 1e-12f, &y);
  const float deviation = std::sqrt(1.25f + 1e-12f);
  EXPECT_EQ(y[0], (1.0f - 2.5f) / deviation * 1.0f + 0.0f);
  EXPECT_EQ(y[3], (4.0f - 2.5f) / deviation * 2.0f + 1.0f);
}

TEST(KokoroNorms, AdaInstanceNormNormalisesEachChannelOverTheFrames) {
  // Two channels over three frames, time-major: channel 0 = [1, 2, 3] (mean 2, variance 2/3),
  // channel 1 = [5, 5, 5] (a constant: β alone). γ = [1, 0] doubles channel 0; β = [0.5, -1].
  const std::vector<float> x = {1, 5, 2, 5, 3, 5};
  const std::vector<float> gamma_beta = {1, 0, 0.5f, -1};
  for (bool channels_first : {false, true}) {
    std::vector<float> y;
    ada_instance_norm(x, 2, gamma_beta, channels_first, &y);
    const float deviation = std::sqrt(2.0f / 3.0f + 1e-5f);
    EXPECT_FLOAT_EQ(y[0], 2 * (-1 / deviation) + 0.5f);
    EXPECT_FLOAT_EQ(y[2], 0.5f);
    EXPECT_FLOAT_EQ(y[4], 2 * (1 / deviation) + 0.5f);
    for (size_t f = 0; f < 3; ++f) EXPECT_EQ(y[f * 2 + 1], -1.0f);
  }
}

TEST(KokoroReduceSum, EigenOrderAddsTheUnalignedHeadLast) {
  // Row starting 2 floats past an aligned address: p[2..5] form one packet, summed as
  // (p2 + p4) + (p3 + p5) = (1e8 - 1e8) + 0 = 0; then the head: + 1 + 1 = 2. In element order
  // the two 1s vanish into 1e8 (its ulp is 8) and the sum is 0.
  const float p[6] = {1, 1, 1e8f, 0, -1e8f, 0};
  EXPECT_EQ(eigen_sum(p, 6, 2), 2.0f);
  float sequential = 0;
  for (float v : p) sequential += v;
  EXPECT_EQ(sequential, 0.0f);
  // Two accumulators of 4: p[0..3] and p[4..7], added lane by lane, then the tail.
  const float q[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  EXPECT_EQ(eigen_sum(q, 10, 0), 55.0f);
  EXPECT_EQ(eigen_sum(q, 3, 0), 6.0f);  // shorter than a packet: element order
}

}  // namespace
}  // namespace stream_tts::kokoro
