// Kokoro's ConvInteger / MatMulInteger at the shapes that dominate a sentence (the iSTFTNet
// generator's resblocks, the decoder's 1090 → 1024 convolutions, an LSTM-sized product), through
// QuantizedConv1d / QuantizedLinear as the model calls them (int32 sums plus the float bias and
// scale), once per dispatch level this CPU has: "sse2" is the old path (im2col copy + SSE2
// pmaddwd). One thread, plus the VNNI convolutions on two threads of nn::cpu's pool (GMAC/s against
// wall time there).
//
//   ninja -C build-kint8 bench_kokoro_int8 && build-kint8/bench/micro/bench_kokoro_int8
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "nn/cpu/thread_pool.h"
#include "tts/kokoro/int8_conv_kernel.h"
#include "tts/kokoro/quantized_conv1d.h"
#include "tts/kokoro/quantized_ops.h"

namespace stream_tts::kokoro {
namespace {

struct ConvCase {
  const char* name;
  size_t in, out, kernel, dilation, steps, stride, padding;
};

// Padding keeps the length, as in the generator (stride 1).
const ConvCase kConvCases[] = {
    {"rb256_k3_d1", 256, 256, 3, 1, 2400, 1, 1},
    {"rb256_k7_d3", 256, 256, 7, 3, 2400, 1, 9},
    {"rb256_k11_d5", 256, 256, 11, 5, 2400, 1, 25},
    {"rb128_k3_d1", 128, 128, 3, 1, 14400, 1, 1},
    {"rb128_k7_d3", 128, 128, 7, 3, 14400, 1, 9},
    {"rb128_k11_d5", 128, 128, 11, 5, 14400, 1, 25},
    {"dec_1090_1024_k3", 1090, 1024, 3, 1, 240, 1, 1},
    {"noise_22_256_k12_s6", 22, 256, 12, 1, 86400, 6, 3},
};

uint32_t next(uint32_t& state) {
  state = state * 1664525u + 1013904223u;
  return state >> 8;
}

QuantizedActivations random_codes(size_t n, uint32_t seed) {
  QuantizedActivations q;
  q.values.resize(n);
  for (auto& v : q.values) v = static_cast<uint8_t>(next(seed));
  q.scale = 0.02f;
  q.zero_point = 117;
  return q;
}

void bench_conv(benchmark::State& state, const ConvCase& c, Int8Level level, int threads) {
  if (int8_cpu_level() < level) {
    state.SkipWithError("this CPU lacks the level");
    return;
  }
  uint32_t seed = 7;
  std::vector<int16_t> centred(c.out * c.in * c.kernel);
  for (auto& v : centred) v = static_cast<int16_t>(static_cast<int>(next(seed) % 256) - 60);
  std::vector<float> bias(c.out, 0.25f);
  const ScopedInt8Level forced(level);
  const QuantizedConv1d conv(c.in, c.out, c.kernel, centred, 0.003f, bias, c.padding, c.dilation,
                             c.stride);
  const QuantizedActivations x = random_codes(c.steps * c.in, 11);
  std::vector<float> y;
  nn::cpu::pool_set_threads(threads);
  for (auto _ : state) {
    conv.forward(x, c.steps, &y);
    benchmark::DoNotOptimize(y.data());
  }
  nn::cpu::pool_set_threads(1);
  const double macs = static_cast<double>(conv.output_steps(c.steps)) * static_cast<double>(c.out) *
                      static_cast<double>(c.in * c.kernel);
  state.counters["GMAC/s"] =
      benchmark::Counter(macs * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

struct LinearCase {
  const char* name;
  size_t in, out, rows;
};

const LinearCase kLinearCases[] = {
    {"lstm_step_256x1024_m1", 256, 1024, 1},
    {"lstm_input_512x1024_m300", 512, 1024, 300},
    {"albert_768x3072_m50", 768, 3072, 50},
};

void bench_linear(benchmark::State& state, const LinearCase& c, Int8Level level) {
  if (int8_cpu_level() < level) {
    state.SkipWithError("this CPU lacks the level");
    return;
  }
  uint32_t seed = 5;
  std::vector<int16_t> centred(c.in * c.out);
  for (auto& v : centred) v = static_cast<int16_t>(static_cast<int>(next(seed) % 256) - 128);
  const std::vector<float> scale(c.out, 0.01f);
  const ScopedInt8Level forced(level);
  const QuantizedLinear linear(c.in, c.out, centred, scale, std::vector<float>(c.out, 0.5f));
  const QuantizedActivations x = random_codes(c.rows * c.in, 3);
  std::vector<float> y;
  for (auto _ : state) {
    linear.forward(x, c.rows, &y);
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["GMAC/s"] = benchmark::Counter(static_cast<double>(c.rows * c.in * c.out) * 1e-9,
                                                benchmark::Counter::kIsIterationInvariantRate);
}

const int kRegistered = [] {
  for (const Int8Level level : {Int8Level::kSse2, Int8Level::kAvx2, Int8Level::kAvx512Vnni}) {
    const std::string suffix = std::string("/") + int8_level_name(level);
    for (const ConvCase& c : kConvCases) {
      benchmark::RegisterBenchmark((std::string("conv/") + c.name + suffix).c_str(), bench_conv, c,
                                   level, 1)
          ->Unit(benchmark::kMillisecond);
    }
    if (level == Int8Level::kAvx512Vnni) {  // two threads (nn::cpu's pool): wall time counts
      for (const ConvCase& c : kConvCases) {
        benchmark::RegisterBenchmark(
            (std::string("conv/") + c.name + suffix + "/threads:2").c_str(), bench_conv, c, level,
            2)
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
      }
    }
    for (const LinearCase& c : kLinearCases) {
      benchmark::RegisterBenchmark((std::string("linear/") + c.name + suffix).c_str(), bench_linear,
                                   c, level)
          ->Unit(benchmark::kMicrosecond);
    }
  }
  return 0;
}();

}  // namespace
}  // namespace stream_tts::kokoro
