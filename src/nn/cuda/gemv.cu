// Batch-1 matrix-vector products of decoder steps: memory-bound, so the whole design is about bytes in
// flight. Each warp owns ROWS consecutive rows and keeps 16 independent 16-byte weight loads in flight
// per lane; the input vector sits in shared memory as fp32 (layer-normed there when asked), and sums
// are fp32. fp16 weights: 8 per load. int8 weights: 16 per load, turned into exact floats with the
// 2^23 trick (byte | 0x4B000000 is the float 2^23 + byte) instead of slow int-to-float conversions,
// and scaled once per row. Before waiting on its predecessor (PDL) every warp loads its first weight
// slice into registers, so that a small GEMV's weight traffic overlaps the previous kernel.
#include <cfloat>
#include <climits>

#include "nn/cuda/device_utils.cuh"
#include "nn/cuda/gemv_math.cuh"

namespace stream_tts::nn::cuda {
namespace {

constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;
constexpr int kLoadsInFlight = 16;  // 16-byte weight loads per lane per row group

// The input vector into shared memory, layer-normed when asked (statistics in one pass: the values
// are O(1) residual-stream activations, so E[x²] - mean² loses nothing that matters in fp32).
__device__ __forceinline__ void load_input(const GemvArgs& a, float* xs, float* scratch) {
  float sum = 0.0f, sq = 0.0f;
  for (int i = threadIdx.x * 4; i < a.k; i += kThreads * 4) {
    const float4 v = *reinterpret_cast<const float4*>(a.x + i);
    *reinterpret_cast<float4*>(xs + i) = v;
    sum += (v.x + v.y) + (v.z + v.w);
    sq += (v.x * v.x + v.y * v.y) + (v.z * v.z + v.w * v.w);
  }
  if (a.ln_gamma != nullptr) {
    const float2 t = block_sum2(sum, sq, scratch);
    const float mean = t.x / a.k;
    const float rstd = rsqrtf(fmaxf(t.y / a.k - mean * mean, 0.0f) + a.ln_eps);
    for (int i = threadIdx.x * 4; i < a.k; i += kThreads * 4) {
      float4 v = *reinterpret_cast<float4*>(xs + i);
      const float4 g = *reinterpret_cast<const float4*>(a.ln_gamma + i);
      const float4 b = *reinterpret_cast<const float4*>(a.ln_beta + i);
      v.x = (v.x - mean) * rstd * g.x + b.x;
      v.y = (v.y - mean) * rstd * g.y + b.y;
      v.z = (v.z - mean) * rstd * g.z + b.z;
      v.w = (v.w - mean) * rstd * g.w + b.w;
      *reinterpret_cast<float4*>(xs + i) = v;
    }
  }
  __syncthreads();
}

// Loads the weights of rows [row0, row0 + ROWS), chunks [c0, c0 + 32·kUnroll) of this lane.
template <int ROWS, bool INT8>
__device__ __forceinline__ void load_group(const GemvArgs& a, int row0, int c0,
                                           uint4 (&wv)[ROWS][kLoadsInFlight / ROWS]) {
  constexpr int kUnroll = kLoadsInFlight / ROWS;
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

template <int ROWS, bool INT8>
__device__ __forceinline__ void fma_group(const uint4 (&wv)[ROWS][kLoadsInFlight / ROWS], const float* xs, int c0,
                                          int chunks, float (&acc)[ROWS]) {
  constexpr int kElems = INT8 ? 16 : 8;
  constexpr int kUnroll = kLoadsInFlight / ROWS;
  const int lane = threadIdx.x & 31;
#pragma unroll
  for (int u = 0; u < kUnroll; ++u) {
    const int c = c0 + u * 32 + lane;
    if (c < chunks) {
      const float* xc = xs + c * kElems;
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

// Runs fn(row0, acc) for every row group of this warp. The first group's first weight slice is
// loaded into registers before the PDL wait, so a decoder GEMV (whose warps hold their whole slice
// in one pass) has only the input vector left to fetch once its predecessor finishes.
template <int ROWS, bool INT8, typename Epilogue>
__device__ __forceinline__ void gemv_body(const GemvArgs& a, float* xs, float* scratch, Epilogue epilogue) {
  constexpr int kUnroll = kLoadsInFlight / ROWS;
  const int warp = threadIdx.x >> 5;
  const int chunks = a.k / (INT8 ? 16 : 8);
  const int groups = (a.n + ROWS - 1) / ROWS;
  int g = blockIdx.x * kWarps + warp;
  uint4 wv[ROWS][kUnroll];
  load_group<ROWS, INT8>(a, g * ROWS, 0, wv);
  pdl_launch_dependents();
  pdl_wait();
  load_input(a, xs, scratch);
  bool preloaded = true;
  for (; g < groups; g += gridDim.x * kWarps) {
    const int row0 = g * ROWS;
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
    epilogue(row0, acc);
  }
}

template <int ROWS, bool INT8>
__global__ void __launch_bounds__(kThreads) gemv_kernel(GemvArgs a) {
  extern __shared__ float4 smem4[];
  float* xs = reinterpret_cast<float*>(smem4);
  __shared__ float scratch[64];
  const int lane = threadIdx.x & 31;
  gemv_body<ROWS, INT8>(a, xs, scratch, [&](int row0, const float (&acc)[ROWS]) {
#pragma unroll
    for (int r = 0; r < ROWS; ++r) {
      const int row = row0 + r;
      if (lane != r || row >= a.n) continue;
      float y = acc[r];
      if constexpr (INT8) y *= a.scale[row];
      if (a.bias != nullptr) y += a.bias[row];
      y = apply_act(y, a.act);
      if (a.residual != nullptr) y += a.residual[row];
      if (a.seg > 0 && row >= a.seg) {
        const int part = row / a.seg;
        float* dst = (part == 1 ? a.out1 : a.out2) + static_cast<size_t>(*a.pos) * a.seg;
        dst[row - part * a.seg] = y;
      } else {
        a.out[row] = y;
      }
    }
  });
}

template <int ROWS, bool INT8>
__global__ void __launch_bounds__(kThreads) lm_head_kernel(LmHeadArgs h) {
  extern __shared__ float4 smem4[];
  float* xs = reinterpret_cast<float*>(smem4);
  __shared__ float scratch[64];
  __shared__ unsigned long long best_of_warp[kWarps];
  __shared__ bool last_block;
  const GemvArgs& a = h.gemv;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  unsigned long long best = 0;
  gemv_body<ROWS, INT8>(a, xs, scratch, [&](int row0, const float (&acc)[ROWS]) {
#pragma unroll
    for (int r = 0; r < ROWS; ++r) {
      const int row = row0 + r;
      if (lane != r || row >= a.n) continue;
      float y = acc[r];
      if constexpr (INT8) y *= a.scale[row];
      if (a.bias != nullptr) y += a.bias[row];
      a.out[row] = y;
      bool allowed = !(y != y);  // NaN never wins
      for (int i = 0; i < h.n_suppressed; ++i) allowed = allowed && h.suppressed[i] != row;
      if (allowed) {
        // Ties go to the lower index (torch.argmax takes the first maximum).
        const unsigned long long key =
            (static_cast<unsigned long long>(ordered(y)) << 32) | (0xFFFFFFFFu - static_cast<unsigned int>(row));
        best = key > best ? key : best;
      }
    }
  });
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) {
    const unsigned long long other = __shfl_xor_sync(0xffffffffu, best, o);
    best = other > best ? other : best;
  }
  if (lane == 0) best_of_warp[warp] = best;
  __syncthreads();
  if (threadIdx.x == 0) {
    for (int i = 0; i < kWarps; ++i) best = best_of_warp[i] > best ? best_of_warp[i] : best;
    atomicMax(&h.control->key, best);
    __threadfence();
    const unsigned int done = atomicAdd(&h.control->blocks_done, 1u);
    last_block = done == gridDim.x - 1;
  }
  __syncthreads();
  if (last_block && threadIdx.x == 0) {
    __threadfence();
    DecodeControl* c = h.control;
    const unsigned long long key = atomicAdd(&c->key, 0ull);
    const int argmax = key == 0 ? 0 : static_cast<int>(0xFFFFFFFFu - static_cast<unsigned int>(key & 0xFFFFFFFFu));
    const int step = c->step;
    const int forced = h.forced[step];
    h.tokens[step + 1] = forced >= 0 ? forced : argmax;
    c->step = step + 1;
    c->key = 0;
    c->blocks_done = 0;
  }
}

// Rows per warp: enough warps to cover every SM about twice, at most 4 rows (16 loads) per warp.
int rows_per_warp(int n, int sm_count) {
  if (n >= 4 * kWarps * sm_count) return 4;
  if (n >= 2 * kWarps * sm_count) return 2;
  return 1;
}

template <bool INT8>
void gemv_launch(const GemvArgs& a, int sm_count, cudaStream_t stream, bool pdl) {
  const int rows = rows_per_warp(a.n, sm_count);
  const int per_block = kWarps * rows;
  const int blocks = std::min((a.n + per_block - 1) / per_block, 8 * sm_count);
  const size_t smem = static_cast<size_t>(a.k) * sizeof(float);
  switch (rows) {
    case 4: launch(gemv_kernel<4, INT8>, blocks, kThreads, smem, stream, pdl, a); break;
    case 2: launch(gemv_kernel<2, INT8>, blocks, kThreads, smem, stream, pdl, a); break;
    default: launch(gemv_kernel<1, INT8>, blocks, kThreads, smem, stream, pdl, a); break;
  }
}

}  // namespace

void gemv(const GemvArgs& a, bool int8, int sm_count, cudaStream_t stream, bool pdl) {
  if (int8) {
    gemv_launch<true>(a, sm_count, stream, pdl);
  } else {
    gemv_launch<false>(a, sm_count, stream, pdl);
  }
}

void lm_head(const LmHeadArgs& h, bool int8, int sm_count, cudaStream_t stream, bool pdl) {
  // Two resident blocks per SM (about 100 registers a thread), each warp streaming 4 rows at a time.
  constexpr int kRows = 4;
  const int per_block = kWarps * kRows;
  const int blocks = std::min((h.gemv.n + per_block - 1) / per_block, 2 * sm_count);
  const size_t smem = static_cast<size_t>(h.gemv.k) * sizeof(float);
  if (int8) {
    launch(lm_head_kernel<kRows, true>, blocks, kThreads, smem, stream, pdl, h);
  } else {
    launch(lm_head_kernel<kRows, false>, blocks, kThreads, smem, stream, pdl, h);
  }
}

}  // namespace stream_tts::nn::cuda
