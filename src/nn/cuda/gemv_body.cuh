// The body shared by the decoder GEMVs (gemv.cu: plain GEMV, fused FFN, cross-attention query) and the
// LM head (lm_head.cu): weight loads in flight before the PDL wait, the input vector into shared memory
// (layer-normed, or with the LayerNorm folded into the rows), the dot products and the row epilogue.
// gemv.cu's opening comment describes the design. Included by those two .cu files only.
#pragma once

#include <cuda_fp16.h>

#include "nn/cuda/device_utils.cuh"
#include "nn/cuda/gemv_math.cuh"
#include "nn/cuda/kernels.cuh"

namespace stream_tts::nn::cuda::gemv_detail {
constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;
constexpr int kLoadsInFlight = 16;  // 16-byte weight loads per lane per row group

inline size_t xs_bytes(int k, bool int8) {
  return static_cast<size_t>(int8 ? xs_at<true>(k) : xs_at<false>(k)) * sizeof(float);
}

// Constants a GEMV needs after its PDL wait, loaded before it when PRELOAD (GemvArgs::preload): this
// thread's first float4 of the LayerNorm's gamma and beta, and the scale (int8) and bias of row
// row0 + lane of the warp's current row group (lanes < ROWS). Loaded after the wait, each is one more
// dependent global load (an L2 or DRAM round trip) on the chain that the next kernel waits for.
struct GemvConsts {
  float4 gamma, beta;
  float scale = 1.0f, bias = 0.0f;
  float row_sum = 0.0f;             // FOLD: the row's Σ_c γ_c w_rc (GemvArgs::ln_row_sum)
  float mean = 0.0f, rstd = 1.0f;   // FOLD: the input's LayerNorm statistics (set by load_input)
  float err = 0.0f;                 // SCREEN: the row's error coefficient (GemvArgs::row_err)
  float gx_norm = 0.0f;             // SCREEN: ‖γ ⊙ x‖₂ of the input (set by load_input)
};

__device__ __forceinline__ void load_ln_consts(const GemvArgs& a, GemvConsts& c) {
  const int i = threadIdx.x * 4;
  if (a.ln_gamma != nullptr && i < a.k) {
    c.gamma = *reinterpret_cast<const float4*>(a.ln_gamma + i);
    c.beta = *reinterpret_cast<const float4*>(a.ln_beta + i);
  }
}

template <int ROWS, bool INT8, bool FOLD = false, bool SCREEN = false>
__device__ __forceinline__ void load_row_consts(const GemvArgs& a, int row0, GemvConsts& c) {
  const int lane = threadIdx.x & 31, row = row0 + lane;
  if (lane < ROWS && row < a.n) {
    if constexpr (INT8) c.scale = a.scale[row];
    c.bias = a.bias != nullptr ? a.bias[row] : 0.0f;
    if constexpr (FOLD) c.row_sum = a.ln_row_sum[row];
    if constexpr (SCREEN) c.err = a.row_err[row];
  }
}

// Input values i .. i + 3: x + the x_add copies when asked, that sum also stored to x_store by the block
// whose slice holds it (load_input's first pass, folded or not).
__device__ __forceinline__ float4 input4(const GemvArgs& a, int i) {
  float4 v = *reinterpret_cast<const float4*>(a.x + i);
  if (a.x_add != nullptr) {
    for (int c = 0; c < a.x_add_copies; ++c) {
      const float4 t = *reinterpret_cast<const float4*>(a.x_add + c * a.k + i);
      v.x += t.x;
      v.y += t.y;
      v.z += t.z;
      v.w += t.w;
    }
  }
  if (a.x_store != nullptr && (i / 4) % gridDim.x == blockIdx.x) *reinterpret_cast<float4*>(a.x_store + i) = v;
  return v;
}

// The input vector into shared memory (x + x_add when asked; that sum also to x_store, a slice per
// block), layer-normed when asked (statistics in one pass: the values are O(1) residual-stream
// activations, so E[x²] - mean² loses nothing that matters in fp32); zero-fills this block's slice of
// a.zero. c: gamma/beta preloaded when PRELOAD (GemvConsts).
// FOLD (GemvArgs::ln_row_sum; PRELOAD only): the input times γ goes to shared memory unnormalised and
// the statistics go to c.mean / c.rstd for the epilogue (row_value): one block barrier, no second pass.
// SCREEN (FOLD only; scratch of 96 floats): also ‖γ ⊙ x‖₂ into c.gx_norm, for the LM-head screen's bound.
template <bool INT8, bool PRELOAD, bool FOLD = false, bool SCREEN = false>
__device__ __forceinline__ void load_input(const GemvArgs& a, float* xs, float* scratch, GemvConsts& c) {
  if constexpr (FOLD) {
    static_assert(PRELOAD, "the folded LayerNorm keeps its statistics with the preloaded constants");
    float sum = 0.0f, sq = 0.0f, gsq = 0.0f;
    for (int i = threadIdx.x * 4; i < a.k; i += kThreads * 4) {
      const float4 v = input4(a, i);
      sum += (v.x + v.y) + (v.z + v.w);
      sq += (v.x * v.x + v.y * v.y) + (v.z * v.z + v.w * v.w);
      const float4 g = i == threadIdx.x * 4 ? c.gamma : *reinterpret_cast<const float4*>(a.ln_gamma + i);
      const float4 gx = make_float4(v.x * g.x, v.y * g.y, v.z * g.z, v.w * g.w);
      *reinterpret_cast<float4*>(xs + xs_at<INT8>(i)) = gx;
      if constexpr (SCREEN) gsq += (gx.x * gx.x + gx.y * gx.y) + (gx.z * gx.z + gx.w * gx.w);
    }
    grid_zero_fill<kThreads>(a.zero, a.zero_n);
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    sum = warp_sum(sum);
    sq = warp_sum(sq);
    if constexpr (SCREEN) gsq = warp_sum(gsq);
    if (lane == 0) {
      scratch[warp] = sum;
      scratch[32 + warp] = sq;
      if constexpr (SCREEN) scratch[64 + warp] = gsq;
    }
    __syncthreads();  // xs and the warps' partial sums
    sum = sq = gsq = 0.0f;
#pragma unroll
    for (int w = 0; w < kWarps; ++w) {
      sum += scratch[w];
      sq += scratch[32 + w];
      if constexpr (SCREEN) gsq += scratch[64 + w];
    }
    c.mean = sum / a.k;
    c.rstd = rsqrtf(fmaxf(sq / a.k - c.mean * c.mean, 0.0f) + a.ln_eps);
    if constexpr (SCREEN) c.gx_norm = sqrtf(gsq);
    return;
  }
  float sum = 0.0f, sq = 0.0f;
  for (int i = threadIdx.x * 4; i < a.k; i += kThreads * 4) {
    const float4 v = input4(a, i);
    *reinterpret_cast<float4*>(xs + xs_at<INT8>(i)) = v;
    sum += (v.x + v.y) + (v.z + v.w);
    sq += (v.x * v.x + v.y * v.y) + (v.z * v.z + v.w * v.w);
  }
  grid_zero_fill<kThreads>(a.zero, a.zero_n);
  if (a.ln_gamma != nullptr) {
    const float2 t = block_sum2(sum, sq, scratch);
    const float mean = t.x / a.k;
    const float rstd = rsqrtf(fmaxf(t.y / a.k - mean * mean, 0.0f) + a.ln_eps);
    for (int i = threadIdx.x * 4; i < a.k; i += kThreads * 4) {
      float4 v = *reinterpret_cast<float4*>(xs + xs_at<INT8>(i));
      const bool pre = PRELOAD && i == threadIdx.x * 4;
      const float4 g = pre ? c.gamma : *reinterpret_cast<const float4*>(a.ln_gamma + i);
      const float4 b = pre ? c.beta : *reinterpret_cast<const float4*>(a.ln_beta + i);
      v.x = (v.x - mean) * rstd * g.x + b.x;
      v.y = (v.y - mean) * rstd * g.y + b.y;
      v.z = (v.z - mean) * rstd * g.z + b.z;
      v.w = (v.w - mean) * rstd * g.w + b.w;
      *reinterpret_cast<float4*>(xs + xs_at<INT8>(i)) = v;
    }
  }
  __syncthreads();
}

// Loads the weights of rows [row0, row0 + ROWS), chunks [c0, c0 + 32·kUnroll) of this lane. Rows: any
// struct with the matrix's w, n and k (GemvArgs here, DecodeLinear in decode_persistent.cu, which keeps
// LOADS = 8 loads in flight a lane).
template <int ROWS, bool INT8, int LOADS = kLoadsInFlight, typename Rows>
__device__ __forceinline__ void load_group(const Rows& a, int row0, int c0, uint4 (&wv)[ROWS][LOADS / ROWS]) {
  constexpr int kUnroll = LOADS / ROWS;
  const int lane = threadIdx.x & 31;
  const int chunks = a.k / (INT8 ? 16 : 8);
  const uint4* w = static_cast<const uint4*>(a.w);
#pragma unroll
  for (int r = 0; r < ROWS; ++r) {
    const int row = row0 + r;
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const int c = c0 + u * 32 + lane;
      wv[r][u] = row < a.n && c < chunks ? load_weights(w + static_cast<size_t>(row) * chunks + c)
                                         : make_uint4(0, 0, 0, 0);
    }
  }
}

// The dot products of a loaded group with the input xs: padded against bank conflicts (xs_at, the
// GEMVs here) or plain (PADDED false: decode_persistent.cu).
template <int ROWS, bool INT8, int LOADS = kLoadsInFlight, bool PADDED = true>
__device__ __forceinline__ void fma_group(const uint4 (&wv)[ROWS][LOADS / ROWS], const float* xs, int c0, int chunks,
                                          float (&acc)[ROWS]) {
  constexpr int kElems = INT8 ? 16 : 8;
  constexpr int kUnroll = LOADS / ROWS;
  const int lane = threadIdx.x & 31;
#pragma unroll
  for (int u = 0; u < kUnroll; ++u) {
    const int c = c0 + u * 32 + lane;
    if (c < chunks) {
      const float* xc = xs + (PADDED ? xs_at<INT8>(c * kElems) : c * kElems);
#pragma unroll
      for (int r = 0; r < ROWS; ++r) {
        if constexpr (INT8) {
          acc[r] += dot16_int8(wv[r][u], xc);
        } else {
          acc[r] += dot8_half(wv[r][u], xc);
        }
      }
    }
  }
}

// Runs fn(row0, acc) for every row group of this warp: groups g_first, g_first + g_stride, ... (by
// default the grid's warps in turn). The first group's first weight slice is loaded into registers
// before the PDL wait, so a decoder GEMV (whose warps hold their whole slice in one pass) has only the
// input vector left to fetch once its predecessor finishes.
template <int ROWS, bool INT8, bool PRELOAD, typename Epilogue, bool FOLD = false, bool SCREEN = false>
__device__ __forceinline__ void gemv_body(const GemvArgs& a, float* xs, float* scratch, Epilogue epilogue,
                                          int g_first = -1, int g_stride = 0) {
  constexpr int kUnroll = kLoadsInFlight / ROWS;
  const int warp = threadIdx.x >> 5;
  const int chunks = a.k / (INT8 ? 16 : 8);
  const int groups = (a.n + ROWS - 1) / ROWS;
  int g = g_first >= 0 ? g_first : blockIdx.x * kWarps + warp;
  if (g_stride <= 0) g_stride = gridDim.x * kWarps;
  uint4 wv[ROWS][kUnroll];
  load_group<ROWS, INT8>(a, g * ROWS, 0, wv);
  GemvConsts consts;
  if constexpr (PRELOAD) {
    load_ln_consts(a, consts);
    load_row_consts<ROWS, INT8, FOLD, SCREEN>(a, g * ROWS, consts);
  }
  pdl_launch_dependents();
  pdl_wait();
  load_input<INT8, PRELOAD, FOLD, SCREEN>(a, xs, scratch, consts);
  bool preloaded = true;
  for (; g < groups; g += g_stride) {
    const int row0 = g * ROWS;
    if constexpr (PRELOAD) {
      if (!preloaded) load_row_consts<ROWS, INT8, FOLD, SCREEN>(a, row0, consts);  // overlaps the sums below
    }
    float acc[ROWS];
#pragma unroll
    for (int r = 0; r < ROWS; ++r) acc[r] = 0.0f;
    for (int c0 = 0; c0 < chunks; c0 += 32 * kUnroll) {
      if (!preloaded) load_group<ROWS, INT8>(a, row0, c0, wv);
      preloaded = false;
      fma_group<ROWS, INT8>(wv, xs, c0, chunks, acc);
    }
#pragma unroll
    for (int r = 0; r < ROWS; ++r) acc[r] = warp_sum(acc[r]);
    epilogue(row0, acc, consts);
  }
}

// A row's dot product turned into its value: int8 per-row scale, then bias (shared by every GEMV here).
// c: the lane's row constants when PRELOAD (gemv_body: lane r holds those of row row0 + r).
// FOLD: acc is the row's dot with γ ⊙ x, so y = rstd·(acc − mean·Σ_c γ_c w_rc) + bias, where the bias
// already holds b + W·β (GemvArgs::ln_row_sum).
template <bool INT8, bool PRELOAD, bool FOLD = false>
__device__ __forceinline__ float row_value(const GemvArgs& a, int row, float acc, const GemvConsts& c) {
  if constexpr (FOLD) {
    if constexpr (INT8) acc *= c.scale;
    return fmaf(c.rstd, acc - c.mean * c.row_sum, c.bias);
  }
  if constexpr (PRELOAD) {
    if constexpr (INT8) acc *= c.scale;
    return acc + c.bias;
  }
  if constexpr (INT8) acc *= a.scale[row];
  if (a.bias != nullptr) acc += a.bias[row];
  return acc;
}

// The LayerNorm folded into the rows (GemvArgs::ln_row_sum): only with preloaded constants.
inline bool ln_folded(const GemvArgs& a) { return a.ln_row_sum != nullptr && a.ln_gamma != nullptr && a.preload; }

}  // namespace stream_tts::nn::cuda::gemv_detail
