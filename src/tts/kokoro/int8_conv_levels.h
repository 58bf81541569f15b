// Internal to int8_conv_kernel*.cpp: the per-level kernels, each compiled for its instruction set
// by function target attributes (no -march flag), called only after int8_cpu_level() said the CPU
// has it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace stream_tts::kokoro::int8_detail {

// Where the sums go: int32 as they are, or (acc null) y = float(sum + bias_q[o]) · scale, the
// ConvInteger graph's Add → Cast → Mul with the same roundings as the scalar code.
struct ConvOutput {
  int32_t* acc = nullptr;           // [out_steps][out]
  float* y = nullptr;               // [out_steps][out], when acc is null
  const int32_t* bias_q = nullptr;  // float mode, [panels · panel width], zero past out
  float scale = 1.0f;
};

// One convolution over a prepared input. The input rows are already padded: row r of `x` is input
// step r − padding, pad rows and pad channels filled so that they add nothing; output step t, tap j
// reads row t·stride + j·dilation.
struct VnniArgs {
  const uint8_t* x = nullptr;  // [rows][ld] uint8 codes
  size_t ld = 0;               // bytes per row: 4 · groups
  size_t groups = 0;           // 4-channel groups per tap
  size_t out_steps = 0, out = 0, kernel = 1, stride = 1, dilation = 1;
  const int8_t* packed = nullptr;       // [⌈out/16⌉][kernel][groups][16][4]
  const int32_t* fix = nullptr;         // [⌈out/16⌉·16]: −x_zp · Σv per output
  const int32_t* offset = nullptr;      // [⌈out/16⌉·16]: b per output
  const int32_t* window_sum = nullptr;  // [out_steps]: Σ (x − x_zp) over each output's window
  ConvOutput output;
};

struct Avx2Args {
  const int32_t* x = nullptr;  // [rows][ld] centred int16 pairs (x[2g] − zp, x[2g+1] − zp)
  size_t ld = 0;               // pairs per row
  size_t out_steps = 0, out = 0, kernel = 1, stride = 1, dilation = 1;
  const int16_t* packed = nullptr;  // [⌈out/8⌉][kernel][ld][8][2]
  ConvOutput output;
};

// Register blocks: kRows output steps × kPanels panels (16 outputs a VNNI panel, 8 an AVX2 one).
constexpr size_t kVnniRows = 6, kVnniPanels = 4;  // 24 of 32 zmm registers accumulate
constexpr size_t kAvx2Rows = 6, kAvx2Panels = 2;  // 12 of 16 ymm registers accumulate

// Work items: ⌈panels / kPanels⌉ panel groups × ⌈out_steps / kRows⌉ time blocks, any subset of
// them on any thread (they write disjoint outputs). Runs items [begin, end).
inline size_t vnni_items(size_t out_steps, size_t out) {
  return ((out + 15) / 16 + kVnniPanels - 1) / kVnniPanels *
         ((out_steps + kVnniRows - 1) / kVnniRows);
}
inline size_t avx2_items(size_t out_steps, size_t out) {
  return ((out + 7) / 8 + kAvx2Panels - 1) / kAvx2Panels *
         ((out_steps + kAvx2Rows - 1) / kAvx2Rows);
}
void conv_avx512_vnni(const VnniArgs& args, size_t begin, size_t end);

// DynamicQuantizeLinear's two passes (quantized_ops.cpp), bit for bit as its scalar loops: the
// range [min(0, x), max(0, x)], then q = clamp(round_half_even(x / scale) + zp, 0, 255).
void quantize_range_avx512(const float* x, size_t n, float* lo, float* hi);
void quantize_codes_avx512(const float* x, size_t n, float scale, float zero_point, uint8_t* out);
void conv_avx2(const Avx2Args& args, size_t begin, size_t end);

}  // namespace stream_tts::kokoro::int8_detail
