#include "tts/kokoro/int8_conv_kernel.h"

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstring>

#include "nn/cpu/thread_pool.h"
#include "stream_tts/status.h"
#include "tts/kokoro/int8_conv_levels.h"

namespace stream_tts::kokoro {
namespace {

constexpr int kNoOverride = -1;
std::atomic<int> g_level_override{kNoOverride};

Int8Level detect_level() {
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
  // __builtin_cpu_supports also checks that the OS saves the wide registers (XCR0).
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni")) {
    return Int8Level::kAvx512Vnni;
  }
  if (__builtin_cpu_supports("avx2")) return Int8Level::kAvx2;
  return __builtin_cpu_supports("sse2") ? Int8Level::kSse2 : Int8Level::kPlain;
#elif defined(__SSE2__)
  return Int8Level::kSse2;
#else
  return Int8Level::kPlain;
#endif
}

// The work items of one call on nn::cpu's pool (as many threads as pool_set_threads gave it; inline
// with one). Items are a few microseconds each at least, so a handful per thread pays for a
// wake-up.
template <typename Fn>
void run_items(size_t items, const Fn& fn) {
  constexpr int kMinItemsPerThread = 8;
  nn::cpu::parallel_for(static_cast<int>(items), kMinItemsPerThread, [&](int begin, int end) {
    fn(static_cast<size_t>(begin), static_cast<size_t>(end));
  });
}

}  // namespace

Int8Level int8_cpu_level() {
  static const Int8Level level = detect_level();
  return level;
}

Int8Level int8_level() {
  const int forced = g_level_override.load(std::memory_order_relaxed);
  const Int8Level cpu = int8_cpu_level();
  if (forced == kNoOverride) return cpu;
  return std::min(cpu, static_cast<Int8Level>(forced));
}

const char* int8_level_name(Int8Level level) {
  switch (level) {
    case Int8Level::kPlain:
      return "plain";
    case Int8Level::kSse2:
      return "sse2";
    case Int8Level::kAvx2:
      return "avx2";
    case Int8Level::kAvx512Vnni:
      return "avx512vnni";
  }
  return "?";
}

ScopedInt8Level::ScopedInt8Level(Int8Level level)
    : previous_(g_level_override.exchange(static_cast<int>(level))) {}

ScopedInt8Level::~ScopedInt8Level() {
  g_level_override.store(previous_);
}

size_t Int8ConvShape::output_steps(size_t steps) const {
  const size_t span = dilation * (kernel - 1) + 1;
  return steps + 2 * padding >= span ? (steps + 2 * padding - span) / stride + 1 : 0;
}

// The VNNI level multiplies unsigned codes by signed bytes, but a centred weight c = w − w_zp spans
// [−255, 255]. Each output o therefore stores c = v + b_o with v in [−128, 127] and one integer b_o
// (possible when its values span at most 255). Over an output's window (taps × channels, k runs
// over them; padding rows hold x_k = x_zp):
//   Σ_k (x_k − x_zp)·c_k = Σ_k (x_k − x_zp)·v_k + b_o·Σ_k (x_k − x_zp)
//                        = Σ_k x_k·v_k − x_zp·Σ_k v_k + b_o·Σ_k (x_k − x_zp).
// The first term is what vpdpbusd accumulates, Σ_k v_k is fixed at packing time, and the last sum
// is the same for every output (the window's centred input sum, from per-row sums). Pad channels
// (in rounded up to 4) have v = 0 and stay out of both sums. All of it is ring arithmetic modulo
// 2^32, which int32 lanes compute exactly, so the result is exact whenever the true sum fits int32
// — the condition ORT's own int32 accumulator has (Kokoro: |sum| ≤ in·k·255² ≈ 2.1e8 at most).
Int8ConvKernel::Int8ConvKernel(const Int8ConvShape& shape, std::span<const int16_t> centred,
                               Int8Level level, Int8WeightLayout layout)
    : shape_(shape), level_(level) {
  const size_t in = shape.in, out = shape.out, k = shape.kernel;
  if (in == 0 || out == 0 || k == 0 || shape.stride == 0 || shape.dilation == 0 ||
      centred.size() != k * in * out) {
    throw Error(StatusCode::kInvalidArgument, "int8 convolution kernel: shapes do not fit");
  }
  // fn(o, c, j, value) over every weight in the order it lies in memory: a strided walk over a
  // decoder-sized weight (3.3 M values) costs a cache miss a value, seconds over the whole model.
  auto visit = [&](auto&& fn) {
    if (layout == Int8WeightLayout::kTapInOut) {
      for (size_t j = 0; j < k; ++j)
        for (size_t c = 0; c < in; ++c)
          for (size_t o = 0; o < out; ++o) fn(o, c, j, centred[(j * in + c) * out + o]);
    } else {
      for (size_t o = 0; o < out; ++o)
        for (size_t c = 0; c < in; ++c)
          for (size_t j = 0; j < k; ++j) fn(o, c, j, centred[(o * in + c) * k + j]);
    }
  };
  if (level_ >= Int8Level::kAvx512Vnni) {
    const size_t panels = (out + 15) / 16;
    std::vector<int32_t> lo(out, INT32_MAX), hi(out, INT32_MIN);
    visit([&](size_t o, size_t, size_t, int32_t v) {
      lo[o] = std::min(lo[o], v);
      hi[o] = std::max(hi[o], v);
    });
    offset_.assign(panels * 16, 0);
    for (size_t o = 0; o < out; ++o) {
      if (hi[o] - lo[o] > 255) level_ = Int8Level::kAvx2;  // no single offset fits it in a byte
      offset_[o] = lo[o] >= -128 && hi[o] <= 127 ? 0 : lo[o] + 128;
    }
    if (level_ == Int8Level::kAvx512Vnni) {
      groups_ = (in + 3) / 4;
      packed8_.assign(panels * k * groups_ * 64, 0);
      v_sum_.assign(panels * 16, 0);
      visit([&](size_t o, size_t c, size_t j, int32_t value) {
        const int32_t v = value - offset_[o];
        packed8_[(((o / 16) * k + j) * groups_ + c / 4) * 64 + (o % 16) * 4 + c % 4] =
            static_cast<int8_t>(v);
        v_sum_[o] += v;
      });
      return;
    }
    offset_.clear();
  }
  if (level_ >= Int8Level::kAvx2) {
    groups_ = (in + 1) / 2;
    packed16_.assign((out + 7) / 8 * k * groups_ * 16, 0);
    visit([&](size_t o, size_t c, size_t j, int32_t value) {
      packed16_[(((o / 8) * k + j) * groups_ + c / 2) * 16 + (o % 8) * 2 + c % 2] =
          static_cast<int16_t>(value);
    });
  }
}

void Int8ConvKernel::accumulate(const uint8_t* x, size_t steps, uint8_t x_zp, int32_t* acc) const {
  run(x, steps, x_zp, acc, {}, 1.0f, nullptr);
}

void Int8ConvKernel::forward(const uint8_t* x, size_t steps, uint8_t x_zp,
                             std::span<const int32_t> bias_q, float scale, float* y) const {
  run(x, steps, x_zp, nullptr, bias_q, scale, y);
}

void Int8ConvKernel::run(const uint8_t* x, size_t steps, uint8_t x_zp, int32_t* acc,
                         std::span<const int32_t> bias_q, float scale, float* y) const {
  const size_t out_steps = shape_.output_steps(steps);
  if (out_steps == 0 || empty()) return;
  const size_t in = shape_.in, pad = shape_.padding, rows = steps + 2 * pad;
  // The output: int32 sums, or floats with the bias padded to whole panels (zero past out).
  int8_detail::ConvOutput output;
  std::vector<int32_t> bias_padded;
  if (acc != nullptr) {
    output.acc = acc;
  } else {
    bias_padded.assign((shape_.out + 15) / 16 * 16, 0);
    std::copy(bias_q.begin(), bias_q.end(), bias_padded.begin());
    output.y = y;
    output.bias_q = bias_padded.data();
    output.scale = scale;
  }
  if (level_ == Int8Level::kAvx512Vnni) {
    // The input once, rows padded with the zero point and channels to a multiple of 4 (their
    // weights are 0): every tap of every output reads its 4-channel groups in place.
    const size_t ld = groups_ * 4;
    std::vector<uint8_t> padded(rows * ld, x_zp);
    std::vector<int32_t> row_sum(rows, 0);
    for (size_t t = 0; t < steps; ++t) {
      const uint8_t* src = x + t * in;
      std::memcpy(padded.data() + (t + pad) * ld, src, in);
      int32_t s = 0;
      for (size_t c = 0; c < in; ++c) s += src[c];
      row_sum[t + pad] = s - static_cast<int32_t>(in) * x_zp;
    }
    std::vector<int32_t> window_sum(out_steps, 0);
    for (size_t t = 0; t < out_steps; ++t) {
      int32_t s = 0;
      for (size_t j = 0; j < shape_.kernel; ++j) {
        s += row_sum[t * shape_.stride + j * shape_.dilation];
      }
      window_sum[t] = s;
    }
    std::vector<int32_t> fix(v_sum_.size());
    for (size_t o = 0; o < fix.size(); ++o) {
      // −x_zp · Σv modulo 2^32 (see the constructor): unsigned, so that no step can overflow.
      fix[o] =
          static_cast<int32_t>(0u - static_cast<uint32_t>(x_zp) * static_cast<uint32_t>(v_sum_[o]));
    }
    int8_detail::VnniArgs a;
    a.x = padded.data();
    a.ld = ld;
    a.groups = groups_;
    a.out_steps = out_steps;
    a.out = shape_.out;
    a.kernel = shape_.kernel;
    a.stride = shape_.stride;
    a.dilation = shape_.dilation;
    a.packed = packed8_.data();
    a.fix = fix.data();
    a.offset = offset_.data();
    a.window_sum = window_sum.data();
    a.output = output;
    run_items(int8_detail::vnni_items(out_steps, shape_.out),
              [&](size_t begin, size_t end) { int8_detail::conv_avx512_vnni(a, begin, end); });
    return;
  }
  // AVX2: centred int16 pairs, pad rows and the odd channel's partner 0.
  std::vector<int32_t> pairs(rows * groups_, 0);
  for (size_t t = 0; t < steps; ++t) {
    const uint8_t* src = x + t * in;
    int32_t* dst = pairs.data() + (t + pad) * groups_;
    for (size_t g = 0; g < groups_; ++g) {
      const int32_t a0 = static_cast<int32_t>(src[2 * g]) - x_zp;
      const int32_t a1 = 2 * g + 1 < in ? static_cast<int32_t>(src[2 * g + 1]) - x_zp : 0;
      dst[g] = static_cast<int32_t>((static_cast<uint32_t>(a1) << 16) |
                                    (static_cast<uint32_t>(a0) & 0xFFFFu));
    }
  }
  int8_detail::Avx2Args a;
  a.x = pairs.data();
  a.ld = groups_;
  a.out_steps = out_steps;
  a.out = shape_.out;
  a.kernel = shape_.kernel;
  a.stride = shape_.stride;
  a.dilation = shape_.dilation;
  a.packed = packed16_.data();
  a.output = output;
  run_items(int8_detail::avx2_items(out_steps, shape_.out),
            [&](size_t begin, size_t end) { int8_detail::conv_avx2(a, begin, end); });
}

}  // namespace stream_tts::kokoro
