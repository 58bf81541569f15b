#include "nn/cpu/gemm_f32.h"
#include "nn/cpu/kernels.h"
#include "nn/cpu/row_kernels.h"
#include "nn/cpu/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <random>

namespace stream_tts::nn::cpu {
namespace {

std::vector<float> random_vector(size_t n, std::mt19937* rng, float scale = 1.0f) {
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(*rng);
  return v;
}

Linear random_linear(int out, int in, std::mt19937* rng) {
  Linear l;
  l.in = in;
  l.out = out;
  l.weight = make_tensor({out, in}, random_vector(static_cast<size_t>(out) * in, rng, 0.1f));
  l.bias = make_tensor({out}, random_vector(out, rng));
  return l;
}

std::vector<float> reference(const Linear& l, const std::vector<float>& x, int rows) {
  std::vector<float> y(static_cast<size_t>(rows) * l.out);
  for (int m = 0; m < rows; ++m) {
    for (int n = 0; n < l.out; ++n) {
      double s = l.bias.data[n];
      for (int k = 0; k < l.in; ++k) s += double(x[m * l.in + k]) * l.weight.data[n * l.in + k];
      y[m * l.out + n] = static_cast<float>(s);
    }
  }
  return y;
}

TEST(Kernels, LinearFp32MatchesReferenceForGemvAndGemm) {
  std::mt19937 rng(1);
  set_threads(2);
  const Linear l = random_linear(37, 70, &rng);
  for (int rows : {1, 5}) {
    const auto x = random_vector(static_cast<size_t>(rows) * l.in, &rng);
    std::vector<float> y(static_cast<size_t>(rows) * l.out);
    linear(l, x.data(), rows, y.data());
    const auto want = reference(l, x, rows);
    for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], want[i], 1e-4) << rows << " " << i;
  }
}

TEST(Kernels, LinearInt8IsCloseToFp32) {
  std::mt19937 rng(2);
  Linear l = random_linear(66, 133, &rng);  // odd sizes: the 4-row blocks and every tail run too
  const Linear fp32 = l;
  quantize_int8(&l);
  ASSERT_TRUE(l.quantized());
  EXPECT_TRUE(l.weight.empty());
  for (int rows : {1, 3}) {
    const auto x = random_vector(static_cast<size_t>(rows) * l.in, &rng);
    std::vector<float> y(static_cast<size_t>(rows) * l.out);
    linear(l, x.data(), rows, y.data());
    const auto want = reference(fp32, x, rows);
    double err = 0, norm = 0;
    for (size_t i = 0; i < y.size(); ++i) {
      err += (y[i] - want[i]) * (y[i] - want[i]);
      norm += want[i] * want[i];
    }
    // Two roundings to 1/254 of the range each: about 1 % relative error in the products.
    EXPECT_LT(std::sqrt(err / norm), 0.02) << rows << " rows, kernel " << int8_kernel_name();
  }
}

TEST(Kernels, Int8DotsAreExact) {
  // The run-time kernel (AVX-512 VNNI, AVX2 or scalar) must give the exact int32 sums, whatever the
  // length (64-byte blocks, 32-byte blocks, tails) and the sign pattern, extremes -127/127 included.
  std::mt19937 rng(6);
  std::uniform_int_distribution<int> value(-127, 127);
  for (int in : {1, 31, 64, 133, 200, 1024}) {
    const int out = 11;
    std::vector<int8_t> x(in), w(static_cast<size_t>(out) * in);
    for (auto& v : x) v = static_cast<int8_t>(value(rng));
    for (auto& v : w) v = static_cast<int8_t>(value(rng));
    x[0] = -127;
    w[0] = 127;
    std::vector<int32_t> acc(out);
    int8_dot_rows(x.data(), w.data(), in, 0, out, acc.data());
    for (int n = 0; n < out; ++n) {
      int32_t want = 0;
      for (int k = 0; k < in; ++k) want += int32_t(x[k]) * w[static_cast<size_t>(n) * in + k];
      ASSERT_EQ(acc[n], want) << int8_kernel_name() << " in " << in << " row " << n;
    }
  }
}

TEST(Kernels, ThreadedLinearMatchesReference) {
  std::mt19937 rng(3);
  set_threads(2);
  Linear l = random_linear(1001, 48, &rng);  // enough rows for several chunks per thread, odd count
  Linear q = l;
  quantize_int8(&q);
  for (int rows : {1, 3}) {
    const auto x = random_vector(static_cast<size_t>(rows) * l.in, &rng);
    const auto want = reference(l, x, rows);
    std::vector<float> y(want.size()), yq(want.size());
    linear(l, x.data(), rows, y.data());
    linear(q, x.data(), rows, yq.data());
    for (size_t i = 0; i < y.size(); ++i) {
      EXPECT_NEAR(y[i], want[i], 1e-4) << rows << " " << i;
      EXPECT_NEAR(yq[i], want[i], 0.05) << rows << " " << i;
    }
  }
  set_threads(1);
}

TEST(Kernels, GemmKernelsAgreeForEveryBlockShape) {
  // Rows 1..9 and 67 outputs over 70 inputs: every 4x4 block tail and the masked k tail run.
  std::mt19937 rng(4);
  set_threads(2);
  const Linear l = random_linear(67, 70, &rng);
  for (GemmKernel kernel : {GemmKernel::kOpenBlas, GemmKernel::kAvx512, GemmKernel::kAuto}) {
    set_gemm_kernel(kernel);
    for (int rows = 2; rows <= 9; ++rows) {
      const auto x = random_vector(static_cast<size_t>(rows) * l.in, &rng);
      std::vector<float> y(static_cast<size_t>(rows) * l.out);
      linear(l, x.data(), rows, y.data());
      const auto want = reference(l, x, rows);
      for (size_t i = 0; i < y.size(); ++i) {
        ASSERT_NEAR(y[i], want[i], 1e-4) << gemm_kernel_name(rows) << " rows " << rows << " at " << i;
      }
    }
  }
  set_gemm_kernel(GemmKernel::kAuto);
  set_threads(1);
}

// linear() then std::max_element, with excluded entries at -inf: what linear_argmax must equal.
int full_argmax(const Linear& l, const float* x, const std::vector<float>& add, const std::vector<int>& excluded) {
  std::vector<float> y(l.out);
  linear(l, x, 1, y.data());
  if (!add.empty()) add_inplace(y.data(), add.data(), y.size());
  for (int id : excluded) y[id] = -INFINITY;
  return static_cast<int>(std::max_element(y.begin(), y.end()) - y.begin());
}

TEST(Kernels, ScreenedArgmaxIsTheExactArgmax) {
  std::mt19937 rng(5);
  for (int threads : {1, 2}) {
    set_threads(threads);
    // An LM-head-like layer (no bias, odd row count) and a biased one, with an extra added vector
    // (Marian's final_logits_bias) on odd trials and excluded ids.
    for (bool with_bias : {false, true}) {
      Linear l = random_linear(5001, 96, &rng);
      if (!with_bias) l.bias = FloatTensor{};
      auto weights = std::vector<float>(l.weight.data, l.weight.data + l.weight.numel());
      ArgmaxScreen screen = make_argmax_screen(l);
      ASSERT_FALSE(screen.empty());
      const auto add = random_vector(l.out, &rng, 0.05f);
      int narrowed = 0;
      for (int trial = 0; trial < 100; ++trial) {
        const auto x = random_vector(l.in, &rng);
        const std::vector<int> excluded = {trial % l.out, 7};
        const std::vector<float> extra = trial % 2 ? add : std::vector<float>{};
        if (trial % 10 == 0) {
          // The winner's weight row copied to its neighbour: an exact tie, the first index must win.
          const int top = full_argmax(l, x.data(), extra, excluded);
          const int other = top == l.out - 1 ? top - 1 : top + 1;
          std::copy(weights.begin() + static_cast<ptrdiff_t>(top) * l.in,
                    weights.begin() + static_cast<ptrdiff_t>(top + 1) * l.in,
                    weights.begin() + static_cast<ptrdiff_t>(other) * l.in);
          l.weight = make_tensor({l.out, l.in}, weights);
          screen = make_argmax_screen(l);
        }
        int recomputed = 0;
        const int got = linear_argmax(l, screen, x.data(), extra.empty() ? nullptr : extra.data(), excluded,
                                      &recomputed);
        ASSERT_EQ(got, full_argmax(l, x.data(), extra, excluded))
            << "trial " << trial << " threads " << threads << " bias " << with_bias;
        if (recomputed >= 0 && recomputed < 64) ++narrowed;
      }
      // The screen must do its job: most steps recompute a few rows, not all 5001.
      EXPECT_GT(narrowed, 90);
      const auto x = random_vector(l.in, &rng);
      int recomputed = 0;
      EXPECT_EQ(linear_argmax(l, ArgmaxScreen{}, x.data(), nullptr, {}, &recomputed), full_argmax(l, x.data(), {}, {}));
      EXPECT_EQ(recomputed, -1);
    }
  }
  // A weight that is not finite leaves no screen (the plain path decides).
  Linear l = random_linear(64, 8, &rng);
  auto weights = std::vector<float>(l.weight.data, l.weight.data + l.weight.numel());
  weights[17] = INFINITY;
  l.weight = make_tensor({l.out, l.in}, weights);
  EXPECT_TRUE(make_argmax_screen(l).empty());
  set_threads(1);
}

TEST(ThreadPool, EveryItemRunsExactlyOnce) {
  for (int threads : {1, 2, 3}) {
    pool_set_threads(threads);
    for (int n : {0, 1, 5, 64, 257, 4099}) {
      for (int rep = 0; rep < 20; ++rep) {
        std::vector<std::atomic<int>> hits(n);
        parallel_for(n, 8, [&](int begin, int end) {
          for (int i = begin; i < end; ++i) hits[i].fetch_add(1);
        });
        for (int i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1) << threads << " " << n << " " << i;
      }
    }
  }
  pool_set_threads(1);
}

TEST(Kernels, LayerNormNormalisesAndAppliesAffine) {
  const std::vector<float> x = {1, 2, 3, 4, 10, 10, 10, 10};
  const std::vector<float> g = {1, 1, 2, 2}, b = {0, 0, 0, 1};
  std::vector<float> y(8);
  layer_norm(x.data(), 2, 4, g.data(), b.data(), 1e-5f, y.data());
  const float inv = 1.0f / std::sqrt(1.25f + 1e-5f);
  EXPECT_NEAR(y[0], -1.5f * inv, 1e-5);
  EXPECT_NEAR(y[3], 2 * 1.5f * inv + 1, 1e-5);
  EXPECT_NEAR(y[4], 0.0f, 1e-5);
  EXPECT_NEAR(y[7], 1.0f, 1e-5);
}

TEST(Kernels, ActivationsMatchTheirDefinitions) {
  std::vector<float> v = {-1.0f, 0.5f};
  activate(Activation::kRelu, v.data(), 2);
  EXPECT_EQ(v[0], 0.0f);
  EXPECT_EQ(v[1], 0.5f);
  v = {1.0f};
  activate(Activation::kSilu, v.data(), 1);
  EXPECT_NEAR(v[0], 1.0f / (1.0f + std::exp(-1.0f)), 1e-6);
  v = {1.0f};
  activate(Activation::kGelu, v.data(), 1);
  EXPECT_NEAR(v[0], 0.8413447f, 1e-6);
}

TEST(Kernels, CausalAttentionSeesOnlyThePast) {
  // Two heads of width 2; keys identical so weights are uniform over what each query may see.
  const int heads = 2, hd = 2, d = heads * hd, t = 3;
  std::vector<float> q(t * d, 0.0f), k(t * d, 0.0f), v(t * d);
  for (int j = 0; j < t; ++j) {
    for (int c = 0; c < d; ++c) v[j * d + c] = static_cast<float>(j + 1);
  }
  std::vector<float> out(t * d), scratch(t);
  attention(q.data(), t, k.data(), v.data(), t, d, heads, hd, true, 0, out.data(), scratch.data());
  EXPECT_FLOAT_EQ(out[0 * d], 1.0f);
  EXPECT_FLOAT_EQ(out[1 * d], 1.5f);
  EXPECT_FLOAT_EQ(out[2 * d + 3], 2.0f);
  attention(q.data(), 1, k.data(), v.data(), t, d, heads, hd, false, 0, out.data(), scratch.data());
  EXPECT_FLOAT_EQ(out[0], 2.0f);
}

}  // namespace
}  // namespace stream_tts::nn::cpu
