// Exact int8 convolution / matrix-product kernels for ConvInteger and MatMulInteger, chosen at run
// time by what the CPU has: AVX-512 VNNI (vpdpbusd, u8 × s8 → int32, 64 products an instruction),
// AVX2 (int16 pairs through vpmaddwd), else the callers keep their SSE2 / plain-loop paths.
//
// Every level computes the same integers: acc[t][o] = Σ_j Σ_c (x[t·stride + j·dilation −
// padding][c] − x_zp) · w[o][c][j], where w is the centred weight (w − w_zp) and padding rows count
// as x_zp (so they add 0, as ORT pads with the zero point). Integer sums do not depend on their
// order, so these kernels are free to block, reorder and vectorise without moving a single output
// bit; the float steps after them stay with the callers.
//
// The input is time-major, [steps × in] uint8 codes (row t = time step t); acc is [output_steps ×
// out]. No im2col: the kernels read the (padded) input rows of each tap directly. A matrix product
// is the case kernel = 1, stride = 1, padding = 0 with rows as steps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace stream_tts::kokoro {

// The instruction-set levels, in increasing order. kPlain and kSse2 are the callers' own paths
// (QuantizedLinear's plain loops and SSE2 pmaddwd); Int8ConvKernel packs for kAvx2 and up.
enum class Int8Level { kPlain = 0, kSse2 = 1, kAvx2 = 2, kAvx512Vnni = 3 };

// The best level this CPU (and its OS's register state) supports; detected once.
Int8Level int8_cpu_level();
// The level new kernels are packed for: the CPU's, lowered by a ScopedInt8Level while one lives.
Int8Level int8_level();
const char* int8_level_name(Int8Level level);

// Tests and benchmarks: while it lives, kernels built (and QuantizedLinear / QuantizedConv1d
// objects constructed) use at most `level`. Not thread-safe against concurrent construction; set it
// before.
class ScopedInt8Level {
 public:
  explicit ScopedInt8Level(Int8Level level);
  ~ScopedInt8Level();
  ScopedInt8Level(const ScopedInt8Level&) = delete;
  ScopedInt8Level& operator=(const ScopedInt8Level&) = delete;

 private:
  int previous_;
};

// How a weight given to Int8ConvKernel is laid out: [kernel][in][out] (a MatMulInteger's [in, out]
// when kernel = 1), or ConvInteger's own [out][in][kernel].
enum class Int8WeightLayout { kTapInOut, kOutInTap };

struct Int8ConvShape {
  size_t in = 0, out = 0, kernel = 1, stride = 1, padding = 0, dilation = 1;
  // (steps + 2·padding − dilation·(kernel − 1) − 1) / stride + 1, or 0 when the input is too short.
  size_t output_steps(size_t steps) const;
};

// A convolution weight packed for one level's kernel. Read-only after construction, so one object
// may run on several threads at once (each call allocates its own scratch).
class Int8ConvKernel {
 public:
  Int8ConvKernel() = default;
  // `centred` holds w[o][c][j] − w_zp in `layout`: [kernel][in][out], centred[(j·in + c)·out + o],
  // or [out][in][kernel], centred[(o·in + c)·kernel + j]; each value within int16 and each
  // output's values spanning at most 255 (true of any uint8 or int8 weight minus its zero point).
  // `level` below kAvx2 leaves the kernel empty (the caller's path runs); kAvx512Vnni on weights
  // that do not fit it packs for kAvx2. Throws Error(kInvalidArgument) on a shape that does not
  // fit.
  Int8ConvKernel(const Int8ConvShape& shape, std::span<const int16_t> centred, Int8Level level,
                 Int8WeightLayout layout = Int8WeightLayout::kTapInOut);

  bool empty() const { return level_ < Int8Level::kAvx2; }
  Int8Level level() const { return level_; }
  const Int8ConvShape& shape() const { return shape_; }

  // acc[output_steps(steps) × out] = the exact int32 sums above. `x` is [steps × in] codes with
  // zero point `x_zp`; `acc` must hold output_steps(steps) · out values. Requires !empty().
  void accumulate(const uint8_t* x, size_t steps, uint8_t x_zp, int32_t* acc) const;
  // ConvInteger's float output straight from the registers: y[t][o] = float(acc[t][o] + bias_q[o])
  // · scale, rounded as static_cast<float>(int32) then one float multiply (the graph's Add → Cast →
  // Mul). `bias_q` is [out] or empty (no bias); `y` must hold output_steps(steps) · out values.
  void forward(const uint8_t* x, size_t steps, uint8_t x_zp, std::span<const int32_t> bias_q,
               float scale, float* y) const;

 private:
  void run(const uint8_t* x, size_t steps, uint8_t x_zp, int32_t* acc,
           std::span<const int32_t> bias_q, float scale, float* y) const;

  Int8ConvShape shape_;
  Int8Level level_ = Int8Level::kPlain;
  size_t groups_ = 0;  // input channel groups per tap: ⌈in/4⌉ (VNNI) or ⌈in/2⌉ (AVX2)
  std::vector<int8_t> packed8_;    // VNNI: [⌈out/16⌉][kernel][groups][16 outputs][4 channels]
  std::vector<int16_t> packed16_;  // AVX2: [⌈out/8⌉][kernel][groups][8 outputs][2 channels]
  std::vector<int32_t> offset_;    // VNNI: per output, b with w − w_zp = v + b (v the packed s8)
  std::vector<int32_t> v_sum_;     // VNNI: per output, Σ over taps and channels of v
};

}  // namespace stream_tts::kokoro
