// Cross-attention with its query and output projections folded into the encoder output once per
// sentence (kernels.cuh: CrossFoldArgs, CrossFoldedArgs). A decode step's cross-attention is then one
// launch that needs no weight matrix: each warp dots the raw residual x with its source positions'
// folded query rows while it takes x's LayerNorm statistics, so the chain after the PDL wait is x from
// L2 into shared memory, warp sums, a block barrier, the softmax by each warp, a weighted sum of
// preloaded rows, a reduction over the warps and float4 atomics. This replaces the cross-Q GEMV and the
// cross attention_out (two links whose tails were 3.0–3.4 and 4.0 µs; the folded one's is 2.9 µs:
// bench/gpu/nmt/NOTES.md). The fold itself runs on the tensor cores once per sentence.
#include <mma.h>

#include <cfloat>

#include "nn/cuda/device_utils.cuh"
#include "nn/cuda/gemv_math.cuh"

namespace stream_tts::nn::cuda {
namespace {

constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;
constexpr int kHd = 64;
constexpr int kFoldPositions = 16;  // source positions per pass of the fold kernel (K or V in shared memory)
constexpr int kColumns = 128;       // output columns a decode block sums (4 a lane)

// dot8_half with the 8 inputs in registers (an array that stays in registers, not a pointer to it).
__device__ __forceinline__ float dot8_half_regs(const uint4& w, const float (&x)[8]) {
  const __half2* h = reinterpret_cast<const __half2*>(&w);
  float s = 0.0f;
#pragma unroll
  for (int e = 0; e < 4; ++e) {
    const float2 f = __half22float2(h[e]);
    s = fmaf(f.x, x[2 * e], s);
    s = fmaf(f.y, x[2 * e + 1], s);
  }
  return s;
}

__device__ __forceinline__ float half8_sum(const uint4& w) {
  const __half2* h = reinterpret_cast<const __half2*>(&w);
  float s = 0.0f;
#pragma unroll
  for (int e = 0; e < 4; ++e) {
    const float2 f = __half22float2(h[e]);
    s += f.x + f.y;
  }
  return s;
}

// One 16-byte chunk of weights (16 int8 or 8 fp16 values) into the shared fp16 tile: int8 values are
// exact integers, exact in fp16.
template <bool INT8>
__device__ __forceinline__ void store_weight_chunk(const uint4& w, __half* dst) {
  if constexpr (INT8) {
    float f[16];
    unpack16_int8(w, f);
#pragma unroll
    for (int e = 0; e < 16; e += 2) *reinterpret_cast<__half2*>(dst + e) = __floats2half2_rn(f[e], f[e + 1]);
  } else {
    *reinterpret_cast<uint4*>(dst) = w;
  }
}

// grid (d / 128, heads, 2 · layers), 256 threads: z even folds the queries (columns c0 .. c0 + 128 of
// W_q's head rows), z odd the values (rows r0 .. r0 + 128 of W_o's head columns), 16 source positions
// at a time on the tensor cores (WMMA 16×16×16, fp16 operands, fp32 sums): each warp one 16-column tile,
// 4 steps over the head's 64 dimensions. Operands: A = the cross keys or values of 16 positions (biases
// added; for the queries times α and, int8, W_q's row scale, which multiplies the summed dimension),
// B = the weights as fp16 (int8 values are exact in fp16; W_o's int8 scale multiplies the output row).
// Earlier fp32 CUDA-core versions took 113–198 µs a sentence for NLLB-600M (NOTES.md). No
// reductions over columns here: the rows' sums are taken by the decode kernel from the rows it preloads,
// and the score's constant is a 64-long dot with W_q·β + b_q (CrossFoldLayer).
constexpr int kFoldColumns = 128;  // output columns a block: 8 warps × 16

template <bool INT8>
__global__ void __launch_bounds__(kThreads) cross_fold_kernel(CrossFoldArgs a) {
  using namespace nvcuda;
  __shared__ __align__(32) __half as[kFoldPositions * kHd];  // [jj][e]
  __shared__ __align__(32) __half bs[kHd * kFoldColumns];    // queries [e][c], values [r][e]
  __shared__ __align__(32) float out[kFoldPositions * kFoldColumns];
  const int l = blockIdx.z / 2, h = blockIdx.y, c0 = blockIdx.x * kFoldColumns, warp = threadIdx.x >> 5;
  const bool values = blockIdx.z % 2 == 1;
  const CrossFoldLayer& L = a.layers[l];
  // B in 16-byte chunks, every load of the thread issued before the first is used (a load-then-store loop
  // waits a DRAM round trip per iteration: that made the fold 160 µs a sentence).
  constexpr int kPerChunk = INT8 ? 16 : 8;                       // weights a 16-byte chunk
  constexpr int kChunks = kHd * kFoldColumns / kPerChunk / kThreads;  // a thread's chunks: 2 or 4
  const int row_len = values ? kHd : kFoldColumns;                 // bs row: [r][e] or [e][c]
  const int per_row = row_len / kPerChunk;
  uint4 wb[kChunks];
#pragma unroll
  for (int u = 0; u < kChunks; ++u) {
    const int v = threadIdx.x + u * kThreads, row = v / per_row, ch = v % per_row;
    const size_t at = values ? static_cast<size_t>(c0 + row) * a.d + h * kHd + ch * kPerChunk
                             : static_cast<size_t>(h * kHd + row) * a.d + c0 + ch * kPerChunk;
    wb[u] = load_weights(reinterpret_cast<const uint4*>(static_cast<const char*>(values ? L.wo : L.wq) +
                                                        at * (INT8 ? 1 : 2)));
  }
  pdl_launch_dependents();  // the weights above are the model's; the cross K/V below are the encoder's
  pdl_wait();
#pragma unroll
  for (int u = 0; u < kChunks; ++u) {
    const int v = threadIdx.x + u * kThreads, row = v / per_row, ch = v % per_row;
    store_weight_chunk<INT8>(wb[u], bs + row * row_len + ch * kPerChunk);
  }
  // The output column of this thread (the same in every pass): γ_c for the queries, W_o's int8 scale for
  // the values.
  const int c = c0 + threadIdx.x % kFoldColumns;
  const float column_scale = values ? (INT8 ? L.wo_scale[c] : 1.0f) : L.gamma[c];
  const size_t head_row = static_cast<size_t>(l * a.heads + h) * a.max_src;
  const int off = (values ? a.d : 0) + 2 * a.d * l + h * kHd;  // K or V of (l, h) within a ckv row
  for (int j0 = 0; j0 < a.s; j0 += kFoldPositions) {
    const int n = min(kFoldPositions, a.s - j0);
    constexpr int kPerThread = kFoldPositions * kHd / kThreads;  // 4, all loads in flight together
    float av[kPerThread];
#pragma unroll
    for (int u = 0; u < kPerThread; ++u) {
      const int i = threadIdx.x + u * kThreads, jj = i / kHd, e = i % kHd;
      av[u] = 0.0f;
      if (jj < n) {
        av[u] = a.ckv[static_cast<size_t>(j0 + jj) * a.ckv_stride + off + e] + a.kv_bias[off + e];
        if (!values) av[u] *= INT8 ? a.scale * L.wq_scale[h * kHd + e] : a.scale;
      }
    }
#pragma unroll
    for (int u = 0; u < kPerThread; ++u) as[threadIdx.x + u * kThreads] = __float2half_rn(av[u]);
    __syncthreads();
    wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc;
    wmma::fill_fragment(acc, 0.0f);
#pragma unroll
    for (int k0 = 0; k0 < kHd; k0 += 16) {
      wmma::fragment<wmma::matrix_a, 16, 16, 16, __half, wmma::row_major> fa;
      wmma::load_matrix_sync(fa, as + k0, kHd);
      if (values) {
        wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::col_major> fb;
        wmma::load_matrix_sync(fb, bs + warp * 16 * kHd + k0, kHd);
        wmma::mma_sync(acc, fa, fb, acc);
      } else {
        wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::row_major> fb;
        wmma::load_matrix_sync(fb, bs + k0 * kFoldColumns + warp * 16, kFoldColumns);
        wmma::mma_sync(acc, fa, fb, acc);
      }
    }
    wmma::store_matrix_sync(out + warp * 16, acc, kFoldColumns, wmma::mem_row_major);
    __syncthreads();
    static_assert(kThreads % kFoldColumns == 0, "a thread keeps its column");
    for (int i = threadIdx.x; i < n * kFoldColumns; i += kThreads) {
      const int jj = i / kFoldColumns;
      (values ? a.v_rows : a.q_rows)[(head_row + j0 + jj) * a.d + c] =
          __half_as_ushort(__float2half_rn(out[i] * column_scale));
    }
    if (!values && blockIdx.x == 0) {  // the score's constant, once per (l, h, j): 16 threads a position
      static_assert(kThreads == kFoldPositions * 16 && kHd == 16 * 4, "4 dimensions a thread");
      const int jj = threadIdx.x / 16, e0 = threadIdx.x % 16 * 4;
      float b = 0.0f;
      if (jj < n) {
        const float* k = a.ckv + static_cast<size_t>(j0 + jj) * a.ckv_stride + off;
#pragma unroll
        for (int e = e0; e < e0 + 4; ++e) b = fmaf(k[e] + a.kv_bias[off + e], L.q_beta[h * kHd + e], b);
      }
#pragma unroll
      for (int o = 8; o > 0; o >>= 1) b += __shfl_xor_sync(0xffffffffu, b, o);  // the 16 lanes of jj
      if (jj < n && e0 == 0) a.q_const[head_row + j0 + jj] = b * a.scale;
    }
    __syncthreads();
  }
}

// The fold with fewer, longer-lived blocks: grid (heads, 2 · layers, groups), 256 threads; a block takes
// `tiles` consecutive 128-column tiles of one (layer, head, K or V) and 32 source positions a pass (two
// 16-row WMMA tiles), so the cross keys or values are read into shared memory once a pass instead of once
// a tile, and the next tile's weights are loaded into registers while the current tile is multiplied and
// stored. The one-tile blocks above (3,072 of them for NLLB-600M, ≈ 6 waves each paying a DRAM round
// trip) took ≈ 85 µs a sentence on an H100 for ≈ 67 MB of traffic.
constexpr int kFoldRows = 32;  // source positions a pass

template <bool INT8>
__global__ void __launch_bounds__(kThreads, 3) cross_fold_tiled_kernel(CrossFoldArgs a, int tiles) {
  using namespace nvcuda;
  __shared__ __align__(32) __half as[kFoldRows * kHd];          // [jj][e]
  __shared__ __align__(32) __half bs[kHd * kFoldColumns];       // queries [e][c], values [r][e]
  __shared__ __align__(32) float out[kFoldRows * kFoldColumns];  // [jj][c]
  const int h = blockIdx.x, l = blockIdx.y / 2, warp = threadIdx.x >> 5;
  const bool values = blockIdx.y % 2 == 1;
  const int first = blockIdx.z * tiles, end = first + tiles;
  const CrossFoldLayer& L = a.layers[l];
  constexpr int kPerChunk = INT8 ? 16 : 8;                            // weights a 16-byte chunk
  constexpr int kChunks = kHd * kFoldColumns / kPerChunk / kThreads;  // a thread's chunks: 2 or 4
  const int row_len = values ? kHd : kFoldColumns;                    // bs row: [r][e] or [e][c]
  const int per_row = row_len / kPerChunk;
  const char* weights = static_cast<const char*>(values ? L.wo : L.wq);
  uint4 wb[kChunks];
  float next_scale = 0.0f;
  // Issues tile t's weight loads (and its output column's scale: γ_c for the queries, W_o's int8 scale
  // for the values) without waiting for them.
  auto load_tile = [&](int t) {
    const int c0 = t * kFoldColumns;
#pragma unroll
    for (int u = 0; u < kChunks; ++u) {
      const int v = threadIdx.x + u * kThreads, row = v / per_row, ch = v % per_row;
      const size_t at = values ? static_cast<size_t>(c0 + row) * a.d + h * kHd + ch * kPerChunk
                               : static_cast<size_t>(h * kHd + row) * a.d + c0 + ch * kPerChunk;
      wb[u] = load_weights(reinterpret_cast<const uint4*>(weights + at * (INT8 ? 1 : 2)));
    }
    const int c = c0 + threadIdx.x % kFoldColumns;
    next_scale = values ? (INT8 ? L.wo_scale[c] : 1.0f) : L.gamma[c];
  };
  load_tile(first);
  pdl_launch_dependents();  // the weights above are the model's; the cross K/V below are the encoder's
  pdl_wait();
  const size_t head_row = static_cast<size_t>(l * a.heads + h) * a.max_src;
  const int off = (values ? a.d : 0) + 2 * a.d * l + h * kHd;  // K or V of (l, h) within a ckv row
  for (int j0 = 0; j0 < a.s; j0 += kFoldRows) {
    const int n = min(kFoldRows, a.s - j0);
    // A = the pass's keys or values with their biases (queries: times α and, int8, W_q's row scale, which
    // multiplies the summed dimension); rows from n on are zero. 8 threads a position, 8 dimensions a
    // thread (float4 loads), which also take the score's constant: once per (l, h, j), by group 0.
    static_assert(kThreads == kFoldRows * 8 && kHd == 8 * 8, "8 dimensions a thread");
    {
      const int jj = threadIdx.x / 8, e0 = threadIdx.x % 8 * 8;
      float v[8] = {};
      if (jj < n) {
        const float* k = a.ckv + static_cast<size_t>(j0 + jj) * a.ckv_stride + off + e0;
        const float* bias = a.kv_bias + off + e0;
#pragma unroll
        for (int q = 0; q < 8; q += 4) {
          const float4 kv = *reinterpret_cast<const float4*>(k + q);
          const float4 b = *reinterpret_cast<const float4*>(bias + q);
          v[q] = kv.x + b.x, v[q + 1] = kv.y + b.y, v[q + 2] = kv.z + b.z, v[q + 3] = kv.w + b.w;
        }
      }
      if (!values && blockIdx.z == 0) {
        float b = 0.0f;
#pragma unroll
        for (int e = 0; e < 8; ++e) b = fmaf(v[e], L.q_beta[h * kHd + e0 + e], b);
#pragma unroll
        for (int o = 4; o > 0; o >>= 1) b += __shfl_xor_sync(0xffffffffu, b, o);  // the 8 lanes of jj
        if (jj < n && e0 == 0) a.q_const[head_row + j0 + jj] = b * a.scale;
      }
      if (!values) {
#pragma unroll
        for (int e = 0; e < 8; ++e) v[e] *= INT8 ? a.scale * L.wq_scale[h * kHd + e0 + e] : a.scale;
      }
      __half2 hv[4];
#pragma unroll
      for (int e = 0; e < 4; ++e) hv[e] = __floats2half2_rn(v[2 * e], v[2 * e + 1]);
      *reinterpret_cast<uint4*>(as + jj * kHd + e0) = *reinterpret_cast<const uint4*>(hv);
    }
    const bool last_pass = j0 + kFoldRows >= a.s;
    for (int t = first; t < end; ++t) {
      __syncthreads();  // as written; the previous tile's bs and out read
#pragma unroll
      for (int u = 0; u < kChunks; ++u) {
        const int v = threadIdx.x + u * kThreads, row = v / per_row, ch = v % per_row;
        store_weight_chunk<INT8>(wb[u], bs + row * row_len + ch * kPerChunk);
      }
      const float column_scale = next_scale;
      if (t + 1 < end) {
        load_tile(t + 1);
      } else if (!last_pass) {
        load_tile(first);  // the next pass starts again at the first tile
      }
      __syncthreads();
      static_assert(kFoldRows == 32, "two 16-row tiles");
      wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[2];
      wmma::fill_fragment(acc[0], 0.0f);
      wmma::fill_fragment(acc[1], 0.0f);
#pragma unroll
      for (int k0 = 0; k0 < kHd; k0 += 16) {  // the warp's B fragment serves both row tiles
        wmma::fragment<wmma::matrix_a, 16, 16, 16, __half, wmma::row_major> fa[2];
        wmma::load_matrix_sync(fa[0], as + k0, kHd);
        wmma::load_matrix_sync(fa[1], as + 16 * kHd + k0, kHd);
        if (values) {
          wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::col_major> fb;
          wmma::load_matrix_sync(fb, bs + warp * 16 * kHd + k0, kHd);
          wmma::mma_sync(acc[0], fa[0], fb, acc[0]);
          wmma::mma_sync(acc[1], fa[1], fb, acc[1]);
        } else {
          wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::row_major> fb;
          wmma::load_matrix_sync(fb, bs + k0 * kFoldColumns + warp * 16, kFoldColumns);
          wmma::mma_sync(acc[0], fa[0], fb, acc[0]);
          wmma::mma_sync(acc[1], fa[1], fb, acc[1]);
        }
      }
      wmma::store_matrix_sync(out + warp * 16, acc[0], kFoldColumns, wmma::mem_row_major);
      wmma::store_matrix_sync(out + 16 * kFoldColumns + warp * 16, acc[1], kFoldColumns, wmma::mem_row_major);
      __syncthreads();
      static_assert(kThreads % kFoldColumns == 0, "a thread keeps its column");
      const int c = t * kFoldColumns + threadIdx.x % kFoldColumns;
#pragma unroll 4
      for (int i = threadIdx.x; i < n * kFoldColumns; i += kThreads) {
        const int jj = i / kFoldColumns;
        (values ? a.v_rows : a.q_rows)[(head_row + j0 + jj) * a.d + c] =
            __half_as_ushort(__float2half_rn(out[i] * column_scale));
      }
    }
  }
}

// grid heads × (d / 128), 256 threads. Warp w takes the source positions w, w + 8, ... (the first JR of
// them preloaded before the PDL wait: folded query row and its sum, 4 values of the folded value row,
// the score's constant); lane l holds x[8l + 256k .. + 8) for k < KC (KC = d / 256) and the block's output columns
// 4l .. 4l + 4.
template <int KC, int JR, bool X_PER_WARP>
__global__ void __launch_bounds__(kThreads) cross_folded_kernel(CrossFoldedArgs a) {
  __shared__ float scores_fixed[kWarps * JR];
  extern __shared__ float scores_extra[];  // positions >= 8 · JR (a.max_src floats)
  __shared__ __align__(16) float4 part[kWarps][32];
  const int splits = a.d / kColumns;
  const int h = blockIdx.x / splits, col0 = (blockIdx.x % splits) * kColumns;
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const size_t head_row = static_cast<size_t>(h) * a.max_src;
  const int len = *a.len;  // set before the graph; no kernel of the step writes it
  uint4 mq[JR][KC];
  uint2 mv[JR];
  float q_sum[JR], q_const[JR];
#pragma unroll
  for (int i = 0; i < JR; ++i) {
    const int j = warp + kWarps * i;
    q_sum[i] = q_const[i] = 0.0f;
    mv[i] = make_uint2(0, 0);
#pragma unroll
    for (int k = 0; k < KC; ++k) mq[i][k] = make_uint4(0, 0, 0, 0);
    if (j < len) {
      const uint4* row = reinterpret_cast<const uint4*>(a.q_rows + (head_row + j) * a.d);
#pragma unroll
      for (int k = 0; k < KC; ++k) mq[i][k] = load_weights(row + lane + 32 * k);
      mv[i] = *reinterpret_cast<const uint2*>(a.v_rows + (head_row + j) * a.d + col0 + 4 * lane);
      q_const[i] = a.q_const[head_row + j];
    }
  }
  // Each preloaded row's sum (of its rounded fp16 values, so that x·m − mean·Σm is exactly (x − mean)·m),
  // before the wait.
#pragma unroll
  for (int i = 0; i < JR; ++i) {
    float t = 0.0f;
#pragma unroll
    for (int k = 0; k < KC; ++k) t += half8_sum(mq[i][k]);
    q_sum[i] = warp_sum(t);
  }
  float4 bias = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
  if (h == 0 && warp == 0 && a.bias != nullptr) bias = *reinterpret_cast<const float4*>(a.bias + col0 + 4 * lane);
  pdl_launch_dependents();
  pdl_wait();
  grid_zero_fill<kThreads>(a.zero, a.zero_n);
  float xv[KC][8];
  float sum = 0.0f, sq = 0.0f;
  if constexpr (X_PER_WARP) {  // every warp reads x whole from L2 (8× the reads of one copy a block)
#pragma unroll
    for (int k = 0; k < KC; ++k) {
      const float4 x0 = *reinterpret_cast<const float4*>(a.x + 8 * lane + 256 * k);
      const float4 x1 = *reinterpret_cast<const float4*>(a.x + 8 * lane + 256 * k + 4);
      xv[k][0] = x0.x, xv[k][1] = x0.y, xv[k][2] = x0.z, xv[k][3] = x0.w;
      xv[k][4] = x1.x, xv[k][5] = x1.y, xv[k][6] = x1.z, xv[k][7] = x1.w;
#pragma unroll
      for (int e = 0; e < 8; ++e) {
        sum += xv[k][e];
        sq = fmaf(xv[k][e], xv[k][e], sq);
      }
    }
    sum = warp_sum(sum);
    sq = warp_sum(sq);
  } else {  // one read of x a block, into shared memory with the statistics' partial sums
    // Padded as the fp16 GEMV input (xs_at<false>): the 8 lanes of a quarter warp, each reading the 8
    // values at 8·lane, hit distinct banks.
    __shared__ __align__(16) float xs[KC * 384];
    __shared__ float2 stats[kWarps];
    for (int i = threadIdx.x * 4; i < a.d; i += kThreads * 4) {
      const float4 v = *reinterpret_cast<const float4*>(a.x + i);
      *reinterpret_cast<float4*>(xs + xs_at<false>(i)) = v;
      sum += (v.x + v.y) + (v.z + v.w);
      sq += (v.x * v.x + v.y * v.y) + (v.z * v.z + v.w * v.w);
    }
    sum = warp_sum(sum);
    sq = warp_sum(sq);
    if (lane == 0) stats[warp] = make_float2(sum, sq);
    __syncthreads();
    sum = sq = 0.0f;
#pragma unroll
    for (int w = 0; w < kWarps; ++w) {
      sum += stats[w].x;
      sq += stats[w].y;
    }
#pragma unroll
    for (int k = 0; k < KC; ++k) {
      const float4 x0 = *reinterpret_cast<const float4*>(xs + xs_at<false>(8 * lane + 256 * k));
      const float4 x1 = *reinterpret_cast<const float4*>(xs + xs_at<false>(8 * lane + 256 * k) + 4);
      xv[k][0] = x0.x, xv[k][1] = x0.y, xv[k][2] = x0.z, xv[k][3] = x0.w;
      xv[k][4] = x1.x, xv[k][5] = x1.y, xv[k][6] = x1.z, xv[k][7] = x1.w;
    }
  }
  float dot[JR];
#pragma unroll
  for (int i = 0; i < JR; ++i) {
    dot[i] = 0.0f;
#pragma unroll
    for (int k = 0; k < KC; ++k) dot[i] += dot8_half_regs(mq[i][k], xv[k]);
  }
#pragma unroll
  for (int i = 0; i < JR; ++i) dot[i] = warp_sum(dot[i]);
  const float mean = sum / a.d;
  const float rstd = rsqrtf(fmaxf(sq / a.d - mean * mean, 0.0f) + a.eps);
  if (lane == 0) {
#pragma unroll
    for (int i = 0; i < JR; ++i) scores_fixed[warp + kWarps * i] = rstd * (dot[i] - mean * q_sum[i]) + q_const[i];
  }
  for (int j = warp + kWarps * JR; j < len; j += kWarps) {  // sources longer than 8 · JR: after the wait
    const uint4* row = reinterpret_cast<const uint4*>(a.q_rows + (head_row + j) * a.d);
    float t = 0.0f, m_sum = 0.0f;
#pragma unroll
    for (int k = 0; k < KC; ++k) {
      const uint4 m = load_weights(row + lane + 32 * k);
      t += dot8_half_regs(m, xv[k]);
      m_sum += half8_sum(m);
    }
    t = warp_sum(t);
    m_sum = warp_sum(m_sum);
    if (lane == 0) scores_extra[j] = rstd * (t - mean * m_sum) + a.q_const[head_row + j];
  }
  __syncthreads();
  // The softmax's max and denominator by each warp, a position a lane (warp sums, not a serial loop).
  auto score = [&](int j) { return j < kWarps * JR ? scores_fixed[j] : scores_extra[j]; };
  float mx = -FLT_MAX;
  for (int j = lane; j < len; j += 32) mx = fmaxf(mx, score(j));
  mx = warp_max(mx);
  float den = 0.0f;
  for (int j = lane; j < len; j += 32) den += expf(score(j) - mx);
  const float inv = 1.0f / warp_sum(den);
  float4 acc = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
  auto add_row = [&](float p, uint2 v) {
    const float2 v0 = __half22float2(*reinterpret_cast<const __half2*>(&v.x));
    const float2 v1 = __half22float2(*reinterpret_cast<const __half2*>(&v.y));
    acc.x = fmaf(p, v0.x, acc.x);
    acc.y = fmaf(p, v0.y, acc.y);
    acc.z = fmaf(p, v1.x, acc.z);
    acc.w = fmaf(p, v1.y, acc.w);
  };
#pragma unroll
  for (int i = 0; i < JR; ++i) {
    const int j = warp + kWarps * i;
    if (j < len) add_row(expf(scores_fixed[j] - mx) * inv, mv[i]);
  }
  for (int j = warp + kWarps * JR; j < len; j += kWarps) {
    add_row(expf(scores_extra[j] - mx) * inv,
            *reinterpret_cast<const uint2*>(a.v_rows + (head_row + j) * a.d + col0 + 4 * lane));
  }
  part[warp][lane] = acc;
  __syncthreads();
  if (warp == 0) {
    float4 s = bias;
#pragma unroll
    for (int w = 0; w < kWarps; ++w) {
      const float4 t = part[w][lane];
      s.x += t.x;
      s.y += t.y;
      s.z += t.z;
      s.w += t.w;
    }
    atomicAdd(reinterpret_cast<float4*>(a.out + col0 + 4 * lane), s);
  }
}

constexpr int kPreloadedPerWarp = 3;  // positions a warp preloads: sources up to 24 tokens need no late loads

}  // namespace

bool cross_folded_supported(int head_dim, int d, int heads, int n_q) {
  return head_dim == 64 && (d == 256 || d == 512 || d == 1024) && n_q == heads * 64 && n_q == d;
}

void cross_fold(const CrossFoldArgs& a, bool int8, int sm_count, cudaStream_t stream) {
  if (a.d % kFoldColumns != 0 || a.s <= 0 || a.s > a.max_src) {
    throw Error(StatusCode::kInvalidArgument, "cross_fold: shape not supported");
  }
  if (a.tiled) {
    // Blocks of all of a (layer, head, K or V)'s column tiles when there are enough of them to give every
    // SM two; otherwise the tiles split into groups.
    const int tiles_all = a.d / kFoldColumns, units = a.heads * 2 * a.n_layers;
    int groups = 1;
    while (groups < tiles_all && tiles_all % (2 * groups) == 0 && units * groups < 2 * sm_count) groups *= 2;
    if (a.groups > 0 && tiles_all % a.groups == 0) groups = a.groups;
    const dim3 grid(a.heads, 2 * a.n_layers, groups);
    const int tiles = tiles_all / groups;
    if (int8) {
      launch(cross_fold_tiled_kernel<true>, grid, dim3(kThreads), 0, stream, false, a, tiles);
    } else {
      launch(cross_fold_tiled_kernel<false>, grid, dim3(kThreads), 0, stream, false, a, tiles);
    }
    return;
  }
  const dim3 grid(a.d / kFoldColumns, a.heads, 2 * a.n_layers);
  if (int8) {
    launch(cross_fold_kernel<true>, grid, dim3(kThreads), 0, stream, false, a);
  } else {
    launch(cross_fold_kernel<false>, grid, dim3(kThreads), 0, stream, false, a);
  }
}

void cross_folded(const CrossFoldedArgs& a, cudaStream_t stream, bool pdl) {
  if (!cross_folded_supported(kHd, a.d, a.heads, a.heads * kHd)) {
    throw Error(StatusCode::kInvalidArgument, "cross_folded: d " + std::to_string(a.d) + " not supported");
  }
  const dim3 grid(a.heads * (a.d / kColumns));
  const size_t smem = static_cast<size_t>(a.max_src) * sizeof(float);
  constexpr int kJr = kPreloadedPerWarp;
  with_bool(a.x_per_warp, [&](auto per_warp) {
    constexpr bool kPerWarp = decltype(per_warp)::value;
    switch (a.d / 256) {
      case 1: launch(cross_folded_kernel<1, kJr, kPerWarp>, grid, dim3(kThreads), smem, stream, pdl, a); break;
      case 2: launch(cross_folded_kernel<2, kJr, kPerWarp>, grid, dim3(kThreads), smem, stream, pdl, a); break;
      default: launch(cross_folded_kernel<4, kJr, kPerWarp>, grid, dim3(kThreads), smem, stream, pdl, a); break;
    }
  });
}

}  // namespace stream_tts::nn::cuda
