// The exact int8 convolution kernels (src/tts/kokoro/int8_conv_kernel.h) against plain loops over
// the definition, forced through each instruction-set level this CPU has, on random shapes: odd
// channel counts, kernels 1–12, dilation 1–5, stride 1–6, padding, zero points 0 and 255 on both
// sides. Exact integer equality is the only bound: any order of an int32 sum gives the same
// integer.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "nn/cpu/thread_pool.h"
#include "stream_tts/status.h"
#include "tts/kokoro/int8_conv_kernel.h"

namespace stream_tts::kokoro {
namespace {

struct Rng {
  uint32_t state;
  uint32_t next() {
    state = state * 1664525u + 1013904223u;
    return state >> 8;
  }
  size_t range(size_t lo, size_t hi) { return lo + next() % (hi - lo + 1); }  // [lo, hi]
};

// centred: [k][in][out]; x: [steps][in] codes.
std::vector<int32_t> reference(const Int8ConvShape& s, const std::vector<int16_t>& centred,
                               const std::vector<uint8_t>& x, size_t steps, uint8_t zp) {
  const size_t out_steps = s.output_steps(steps);
  std::vector<int32_t> acc(out_steps * s.out, 0);
  for (size_t t = 0; t < out_steps; ++t) {
    for (size_t o = 0; o < s.out; ++o) {
      int64_t sum = 0;
      for (size_t j = 0; j < s.kernel; ++j) {
        const auto row = static_cast<std::ptrdiff_t>(t * s.stride + j * s.dilation) -
                         static_cast<std::ptrdiff_t>(s.padding);
        if (row < 0 || row >= static_cast<std::ptrdiff_t>(steps)) continue;
        for (size_t c = 0; c < s.in; ++c) {
          sum += (static_cast<int32_t>(x[static_cast<size_t>(row) * s.in + c]) - zp) *
                 static_cast<int32_t>(centred[(j * s.in + c) * s.out + o]);
        }
      }
      acc[t * s.out + o] = static_cast<int32_t>(sum);
    }
  }
  return acc;
}

enum class WeightKind { kUint8PerTensor, kInt8PerOutput, kWideRange };

std::vector<int16_t> make_weights(const Int8ConvShape& s, WeightKind kind, int16_t zp, Rng& rng) {
  std::vector<int16_t> w(s.kernel * s.in * s.out);
  std::vector<int16_t> column_zp(s.out);
  for (auto& z : column_zp) z = static_cast<int16_t>(static_cast<int>(rng.next() % 256) - 128);
  for (size_t i = 0; i < w.size(); ++i) {
    const size_t o = i % s.out;
    switch (kind) {
      case WeightKind::kUint8PerTensor:
        w[i] = static_cast<int16_t>(static_cast<int>(rng.next() % 256) - zp);
        break;
      case WeightKind::kInt8PerOutput:
        w[i] = static_cast<int16_t>(static_cast<int>(rng.next() % 256) - 128 - column_zp[o]);
        break;
      case WeightKind::kWideRange:  // spans more than a byte: VNNI must fall back to AVX2
        w[i] = static_cast<int16_t>(static_cast<int>(rng.next() % 511) - 255);
        break;
    }
  }
  return w;
}

std::vector<Int8Level> levels_here() {
  std::vector<Int8Level> levels;
  for (Int8Level l : {Int8Level::kAvx2, Int8Level::kAvx512Vnni}) {
    if (int8_cpu_level() >= l) levels.push_back(l);
  }
  return levels;
}

void check_case(const Int8ConvShape& s, size_t steps, WeightKind kind, int16_t w_zp, uint8_t x_zp,
                Rng& rng, Int8Level level) {
  const std::vector<int16_t> w = make_weights(s, kind, w_zp, rng);
  std::vector<uint8_t> x(steps * s.in);
  for (auto& v : x) v = static_cast<uint8_t>(rng.next());
  if (rng.next() % 4 == 0) {  // extremes: every code at 0 or 255
    for (auto& v : x) v = rng.next() % 2 ? 255 : 0;
  }
  const Int8ConvKernel kernel(s, w, level);
  if (kind == WeightKind::kWideRange) {
    EXPECT_EQ(kernel.level(), Int8Level::kAvx2);
  } else {
    EXPECT_EQ(kernel.level(), level);
  }
  const size_t out_steps = s.output_steps(steps);
  std::vector<int32_t> acc(out_steps * s.out, INT32_MIN);
  kernel.accumulate(x.data(), steps, x_zp, acc.data());
  ASSERT_EQ(acc, reference(s, w, x, steps, x_zp))
      << int8_level_name(level) << " in " << s.in << " out " << s.out << " k " << s.kernel
      << " stride " << s.stride << " pad " << s.padding << " dil " << s.dilation << " steps "
      << steps << " w_zp " << w_zp << " x_zp " << int(x_zp);
}

TEST(KokoroInt8Kernel, RandomShapesMatchPlainLoopsAtEveryLevel) {
  const auto levels = levels_here();
  if (levels.empty()) GTEST_SKIP() << "this CPU has neither AVX2 nor AVX-512 VNNI";
  Rng rng{12345};
  for (int n = 0; n < 300; ++n) {
    Int8ConvShape s;
    s.in = rng.range(1, 41);
    s.out = rng.range(1, 90);
    s.kernel = rng.range(1, 12);
    s.dilation = rng.range(1, 5);
    s.stride = rng.range(1, 6);
    s.padding = rng.range(0, s.dilation * (s.kernel - 1) / 2 + 2);
    const size_t steps = rng.range(1, 40);
    const WeightKind kind = n % 7 == 6 ? WeightKind::kWideRange
                            : n % 2    ? WeightKind::kInt8PerOutput
                                       : WeightKind::kUint8PerTensor;
    const int16_t w_zp = n % 3 == 0 ? 0 : n % 3 == 1 ? 255 : static_cast<int16_t>(rng.next() % 256);
    const uint8_t x_zp = n % 5 == 0 ? 0 : n % 5 == 1 ? 255 : static_cast<uint8_t>(rng.next());
    for (Int8Level level : levels) check_case(s, steps, kind, w_zp, x_zp, rng, level);
  }
}

TEST(KokoroInt8Kernel, GeneratorSizedShapes) {
  const auto levels = levels_here();
  if (levels.empty()) GTEST_SKIP() << "this CPU has neither AVX2 nor AVX-512 VNNI";
  Rng rng{777};
  struct Case {
    Int8ConvShape shape;
    size_t steps;
  };
  const std::vector<Case> cases = {
      {{256, 256, 11, 1, 25, 5}, 97},  // resblock: k11, dilation 5, length kept
      {{128, 128, 7, 1, 9, 3}, 61},    // resblock at 128 channels
      {{22, 256, 12, 6, 3, 1}, 130},   // noise_convs.0: k12, stride 6, padding 3
      {{1090, 200, 3, 1, 1, 1}, 13},   // decoder conv1 (fewer outputs, same depth)
      {{512, 1024, 1, 1, 0, 1}, 3},    // a matrix product: k1, rows as steps
  };
  for (const Case& c : cases) {
    for (Int8Level level : levels) {
      check_case(c.shape, c.steps, WeightKind::kUint8PerTensor, 255, 255, rng, level);
      check_case(c.shape, c.steps, WeightKind::kInt8PerOutput, 0, 0, rng, level);
    }
  }
}

TEST(KokoroInt8Kernel, ThreadsSplitTheWorkWithoutChangingIt) {
  const auto levels = levels_here();
  if (levels.empty()) GTEST_SKIP() << "this CPU has neither AVX2 nor AVX-512 VNNI";
  nn::cpu::pool_set_threads(3);
  Rng rng{4242};
  for (int n = 0; n < 20; ++n) {
    const Int8ConvShape s{rng.range(1, 70), rng.range(1, 140), rng.range(1, 7),
                          rng.range(1, 3),  rng.range(0, 4),   rng.range(1, 3)};
    for (Int8Level level : levels) {
      check_case(s, rng.range(50, 400), WeightKind::kUint8PerTensor, 128, 3, rng, level);
    }
  }
  nn::cpu::pool_set_threads(1);
}

TEST(KokoroInt8Kernel, LevelsAndShapes) {
  EXPECT_GE(int8_cpu_level(), Int8Level::kPlain);
  {
    const ScopedInt8Level forced(Int8Level::kSse2);
    EXPECT_LE(int8_level(), Int8Level::kSse2);
    const Int8ConvKernel below({4, 4, 1}, std::vector<int16_t>(16, 1), Int8Level::kSse2);
    EXPECT_TRUE(below.empty());
  }
  EXPECT_EQ(int8_level(), int8_cpu_level());
  const Int8ConvShape s{3, 2, 12, 6, 3, 1};
  EXPECT_EQ(s.output_steps(66), (66u + 6 - 12) / 6 + 1);
  EXPECT_EQ(s.output_steps(5), 0u);  // 5 + 6 < 12
  EXPECT_THROW(Int8ConvKernel({3, 2, 2}, std::vector<int16_t>(5), Int8Level::kAvx2), Error);
}

}  // namespace
}  // namespace stream_tts::kokoro
