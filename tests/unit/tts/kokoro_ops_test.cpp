// The int8 kernels of the native Kokoro front half (src/tts/kokoro/quantized_ops.h): ORT's
// DynamicQuantizeLinear on known values, the SIMD matrix product against plain loops, LayerNorm,
// FastGelu and softmax on hand-computed cases. (tests/parity/ compares whole stages with ORT.)
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "kokoro_proto_writer.h"
#include "stream_tts/status.h"
#include "tts/kokoro/quantized_conv1d.h"
#include "tts/kokoro/quantized_ops.h"

namespace stream_tts::kokoro {
namespace {

TEST(KokoroOps, DynamicQuantizeLinearAsOnnxRuntime) {
  QuantizedActivations q;
  // Range [-1, 2] -> scale 3/255, zero point round(1 / (3/255)) = 85; 0.5 / scale = 42.5 rounds to
  // even (42), 2 -> 170 + 85 = 255.
  const std::vector<float> x = {-1.0f, 0.0f, 0.5f, 2.0f};
  dynamic_quantize_linear(x, &q);
  EXPECT_FLOAT_EQ(q.scale, 3.0f / 255.0f);
  EXPECT_EQ(q.zero_point, 85);
  EXPECT_EQ(q.values, (std::vector<uint8_t>{0, 85, 85 + 42, 255}));
  // All positive: the range is widened to include 0, so the zero point is 0.
  dynamic_quantize_linear(std::vector<float>{1.0f, 2.0f}, &q);
  EXPECT_EQ(q.zero_point, 0);
  EXPECT_EQ(q.values.back(), 255);
  // All zero: no range, every code is the zero point.
  dynamic_quantize_linear(std::vector<float>{0.0f, 0.0f}, &q);
  EXPECT_EQ(q.values, (std::vector<uint8_t>{0, 0}));
}

// The dispatch levels this CPU can run, plain loops first.
std::vector<Int8Level> levels_here() {
  std::vector<Int8Level> levels;
  for (Int8Level l :
       {Int8Level::kPlain, Int8Level::kSse2, Int8Level::kAvx2, Int8Level::kAvx512Vnni}) {
    if (int8_cpu_level() >= l) levels.push_back(l);
  }
  return levels;
}

// The AVX-512 quantiser against the scalar loops: the same scale, zero point and codes, on sizes
// around the 16-lane width, with ties (x / scale = k + 0.5), negative zeros and one-signed data.
TEST(KokoroOps, DynamicQuantizeLinearSameAtEveryLevel) {
  uint32_t state = 3;
  auto next = [&state] {
    state = state * 1664525u + 1013904223u;
    return state >> 8;
  };
  for (const size_t n : {1u, 15u, 16u, 17u, 33u, 250u, 4099u}) {
    for (int kind = 0; kind < 4; ++kind) {
      std::vector<float> x(n);
      for (auto& v : x) {
        const float r = static_cast<float>(next() % 20001) / 10000.0f - 1.0f;  // [-1, 1]
        v = kind == 0 ? r : kind == 1 ? std::fabs(r) + 0.5f : kind == 2 ? -std::fabs(r) : -0.0f;
      }
      // Ties: with range [-1, 1.55] the scale is 0.01; multiples of 0.005 hit halves.
      if (kind == 0 && n > 3) {
        x[0] = -1.0f;
        x[1] = 1.55f;
        for (size_t i = 2; i < n; i += 3) x[i] = 0.005f * static_cast<float>(next() % 200);
      }
      QuantizedActivations reference;
      {
        const ScopedInt8Level plain(Int8Level::kPlain);
        dynamic_quantize_linear(x, &reference);
      }
      QuantizedActivations q;
      dynamic_quantize_linear(x, &q);  // the CPU's level
      EXPECT_EQ(q.scale, reference.scale) << n << " " << kind;
      EXPECT_EQ(q.zero_point, reference.zero_point) << n << " " << kind;
      EXPECT_EQ(q.values, reference.values) << n << " " << kind;
    }
  }
}

// A QuantizedLinear needs a Param over tensors; build them in a tiny ONNX file.
struct LinearFixture {
  std::unique_ptr<nn::onnx::OnnxFile> file;
  Param weight, bias;
};

LinearFixture make_linear(size_t in, size_t out, bool per_column, uint32_t seed) {
  std::string w(in * out, '\0'), zp(per_column ? out : 1, '\0');
  std::vector<float> scale(per_column ? out : 1), bias(out);
  uint32_t state = seed;
  auto next = [&state] {
    state = state * 1664525u + 1013904223u;
    return state >> 24;
  };
  for (char& c : w) c = static_cast<char>(next());
  for (char& c : zp) c = static_cast<char>(static_cast<int>(next() % 21) - 10);
  for (float& s : scale) s = 0.001f * static_cast<float>(1 + next() % 50);
  for (float& b : bias) b = 0.01f * static_cast<float>(static_cast<int>(next() % 200) - 100);
  testing::Proto g;
  g.message(5,
            testing::raw_tensor("w", 3, {static_cast<int64_t>(in), static_cast<int64_t>(out)}, w));
  g.message(5, per_column ? testing::raw_tensor("zp", 3, {static_cast<int64_t>(out)}, zp)
                          : testing::raw_tensor("zp", 3, {}, zp));
  g.message(5, per_column ? testing::raw_tensor("s", 1, {static_cast<int64_t>(out)},
                                                testing::float_bytes(scale))
                          : testing::raw_tensor("s", 1, {}, testing::float_bytes(scale)));
  g.message(5,
            testing::raw_tensor("b", 1, {static_cast<int64_t>(out)}, testing::float_bytes(bias)));
  std::string pattern = (std::filesystem::temp_directory_path() / "st-ops-XXXXXX").string();
  const int fd = ::mkstemp(pattern.data());
  ::close(fd);
  std::ofstream(pattern, std::ios::binary) << testing::model(g);
  LinearFixture f;
  f.file = std::make_unique<nn::onnx::OnnxFile>(nn::onnx::OnnxFile::load(pattern));
  std::remove(pattern.c_str());
  const auto& index = f.file->index();
  f.weight = {"weight",
              index.initializer("w"),
              WeightUse::kMatMulInteger,
              index.initializer("s"),
              index.initializer("zp"),
              1};
  f.bias = {"bias", index.initializer("b"), WeightUse::kFloat, nullptr, nullptr, 1};
  return f;
}

TEST(KokoroOps, QuantizedLinearSimdMatchesPlainLoops) {
  for (const auto& [in, out, per_column] : std::vector<std::tuple<size_t, size_t, bool>>{
           {7, 5, true}, {16, 12, false}, {33, 9, true}, {128, 64, true}, {61, 70, true}}) {
    const LinearFixture f = make_linear(in, out, per_column, static_cast<uint32_t>(in * 31 + out));
    for (const Int8Level level : levels_here()) {  // each dispatch level this CPU has
      const ScopedInt8Level forced(level);
      const QuantizedLinear linear(f.weight, &f.bias);
      EXPECT_EQ(linear.in_features(), in);
      EXPECT_EQ(linear.out_features(), out);
      std::vector<float> x(3 * in);
      for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(static_cast<float>(i)) * 2.0f - 0.3f;
      QuantizedActivations q;
      dynamic_quantize_linear(x, &q);
      std::vector<float> fast, reference;
      linear.forward(q, 3, &fast);
      linear.forward_reference(q, 3, &reference);
      // Exact: the int32 sums are the same integers.
      EXPECT_EQ(fast, reference) << in << "x" << out;

      // And against the definition, computed here from the raw tensors.
      const auto* w = f.weight.tensor;
      for (size_t r = 0; r < 3; ++r) {
        for (size_t n = 0; n < out; ++n) {
          int32_t acc = 0;
          for (size_t k = 0; k < in; ++k) {
            const int32_t a = static_cast<int32_t>(q.values[r * in + k]) - q.zero_point;
            const int32_t b =
                static_cast<int32_t>(w->as_double(k * out + n)) -
                static_cast<int32_t>(f.weight.zero_point->as_double(per_column ? n : 0));
            acc += a * b;
          }
          const float factor =
              q.scale * static_cast<float>(f.weight.scale->as_double(per_column ? n : 0));
          const float expected =
              static_cast<float>(f.bias.tensor->as_double(n)) + static_cast<float>(acc) * factor;
          EXPECT_EQ(fast[r * out + n], expected) << r << "," << n << " " << int8_level_name(level);
        }
      }
    }
  }
}

// ConvInteger through QuantizedConv1d at each level against the definition in plain loops, with the
// graph's float steps (floored int32 bias, x_scale · w_scale) written out here.
TEST(KokoroOps, QuantizedConv1dMatchesPlainLoopsAtEveryLevel) {
  uint32_t state = 99;
  auto next = [&state](uint32_t n) {
    state = state * 1664525u + 1013904223u;
    return (state >> 8) % n;
  };
  for (int n = 0; n < 60; ++n) {
    const size_t in = 1 + next(37), out = 1 + next(70), k = 1 + next(12), dilation = 1 + next(5),
                 stride = 1 + next(6), padding = next(dilation * (k - 1) / 2 + 3),
                 steps = 1 + next(45);
    const int16_t w_zp = n % 3 == 0 ? 0 : n % 3 == 1 ? 255 : static_cast<int16_t>(next(256));
    std::vector<int16_t> centred(out * in * k);  // [out][in][k]
    for (auto& v : centred) v = static_cast<int16_t>(static_cast<int>(next(256)) - w_zp);
    std::vector<float> bias(out);
    for (auto& b : bias) b = 0.01f * (static_cast<float>(next(400)) - 200.0f);
    std::vector<float> x(steps * in);
    const float shift = n % 4 == 0 ? 0.0f : n % 4 == 1 ? -5.0f : -1.0f;  // zero point 0 / 255 / mid
    for (auto& v : x) v = static_cast<float>(next(1000)) / 200.0f + shift;
    const float w_scale = 0.0123f;

    QuantizedActivations xq;
    dynamic_quantize_linear(x, &xq);
    const size_t span = dilation * (k - 1) + 1;
    const size_t out_steps =
        steps + 2 * padding >= span ? (steps + 2 * padding - span) / stride + 1 : 0;
    const float scale = xq.scale * w_scale;
    std::vector<float> expected(out_steps * out);
    for (size_t t = 0; t < out_steps; ++t) {
      for (size_t o = 0; o < out; ++o) {
        int32_t acc = 0;
        for (size_t j = 0; j < k; ++j) {
          const auto row = static_cast<std::ptrdiff_t>(t * stride + j * dilation) -
                           static_cast<std::ptrdiff_t>(padding);
          if (row < 0 || row >= static_cast<std::ptrdiff_t>(steps)) continue;
          for (size_t c = 0; c < in; ++c) {
            acc += (static_cast<int32_t>(xq.values[static_cast<size_t>(row) * in + c]) -
                    xq.zero_point) *
                   centred[(o * in + c) * k + j];
          }
        }
        const auto bias_q = static_cast<int32_t>(std::floor(bias[o] / scale));
        expected[t * out + o] = static_cast<float>(acc + bias_q) * scale;
      }
    }
    for (const Int8Level level : levels_here()) {
      const ScopedInt8Level forced(level);
      const QuantizedConv1d conv(in, out, k, centred, w_scale, bias, padding, dilation, stride);
      ASSERT_EQ(conv.output_steps(steps), out_steps);
      std::vector<float> y;
      conv.forward(x, steps, &y);
      ASSERT_EQ(y, expected) << int8_level_name(level) << " in " << in << " out " << out << " k "
                             << k << " d " << dilation << " s " << stride << " p " << padding
                             << " steps " << steps << " zp " << int(xq.zero_point);
    }
  }
}

TEST(KokoroOps, QuantizedLinearRejectsWhatIsNoQuantisedMatrix) {
  const LinearFixture f = make_linear(4, 3, true, 1);
  Param no_scale = f.weight;
  no_scale.scale = nullptr;
  EXPECT_THROW(QuantizedLinear(no_scale, nullptr), Error);
  Param wrong_bias = f.bias;
  wrong_bias.tensor = f.weight.zero_point;  // int8: not a float bias
  EXPECT_THROW(QuantizedLinear(f.weight, &wrong_bias), Error);
  Param float_weight = f.weight;
  float_weight.tensor = f.bias.tensor;
  EXPECT_THROW(QuantizedLinear(float_weight, nullptr), Error);
}

TEST(KokoroOps, LayerNormGeluSoftmax) {
  std::vector<float> y;
  const std::vector<float> gamma = {1.0f, 2.0f}, beta = {0.0f, 1.0f};
  layer_norm(std::vector<float>{1.0f, 3.0f}, {}, 2, gamma, beta, 0.0f, &y);
  EXPECT_NEAR(y[0], -1.0f, 1e-6);
  EXPECT_NEAR(y[1], 3.0f, 1e-6);
  layer_norm(std::vector<float>{0.0f, 1.0f}, std::vector<float>{1.0f, 2.0f}, 2, gamma, beta, 0.0f,
             &y);  // + skip
  EXPECT_NEAR(y[0], -1.0f, 1e-6);
  EXPECT_NEAR(y[1], 3.0f, 1e-6);

  std::vector<float> g = {0.0f, 1.0f, -3.0f};
  fast_gelu(g, std::vector<float>{0.0f, 0.0f, 1.0f});
  EXPECT_FLOAT_EQ(g[0], 0.0f);
  EXPECT_NEAR(g[1], 0.841192f, 1e-5);    // the tanh approximation of GELU(1)
  EXPECT_NEAR(g[2], -0.0454023f, 1e-5);  // x = -3 + 1

  std::vector<float> s = {1.0f, 2.0f, 3.0f, 0.0f, 0.0f, 0.0f};
  softmax_rows(s, 3);
  EXPECT_NEAR(s[0] + s[1] + s[2], 1.0f, 1e-6);
  EXPECT_NEAR(s[2], 0.665241f, 1e-5);
  EXPECT_NEAR(s[4], 1.0f / 3.0f, 1e-6);
}

}  // namespace
}  // namespace stream_tts::kokoro
