// Greedy decode steps of a pre-LN encoder-decoder in one cooperative kernel (see kernels.cuh). A decode
// step at batch 1 is ~100 small dependent pieces of work; launched as kernels (even chained with PDL in
// a graph) each costs ~3.5 us whatever its bytes. Here the grid stays resident for all steps and the
// pieces are separated by grid barriers instead (~1 us each on H200). Not yet faster than the graphs:
// a phase's weight loads start only at the end of the previous phase (PDL overlaps them with the whole
// previous kernel), so each phase still waits on DRAM; bench/gpu/nmt/NOTES.md has the numbers.
//
// Memory rules inside one launch: everything this kernel writes (x, q, attention output, FFN hidden,
// K/V cache, per-block argmax keys) is read back with ld.global.cg (L2), never through L1 or the
// read-only path, which are not coherent between blocks within a launch. Weights, biases, norms,
// embeddings and the encoder's K/V were written before the launch and may take any path.
#include <cooperative_groups.h>

#include <cmath>

#include "nn/cuda/decode_attention.cuh"
#include "nn/cuda/device_utils.cuh"
#include "nn/cuda/gemv_body.cuh"
#include "nn/cuda/gemv_math.cuh"

namespace stream_tts::nn::cuda {
namespace {

constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;
// 16-byte weight loads per lane per row group: 8, half of gemv.cu's, for two blocks per SM at 128
// registers (the kernel still spills some). H200: fp16 23.2 / int8 23.5 ms a sentence, against 22.3 /
// 26.0 with 16 loads, 255 registers and one block per SM.
constexpr int kLoads = 8;
constexpr int kHeadDim = 64;

// Floats of a warp's attention scratch (scores, then its query): a multiple of 4, for float4 access.
__host__ __device__ __forceinline__ int score_floats(int max_len) { return (max_len + 3) / 4 * 4; }

size_t smem_bytes(int max_k, int max_len) {
  const size_t gemv = static_cast<size_t>(max_k) * sizeof(float);
  const size_t attention = static_cast<size_t>(kWarps) * (score_floats(max_len) + kHeadDim) * sizeof(float);
  return gemv > attention ? gemv : attention;
}

// The grid barrier between phases. Ours: one arrival counter and a generation word; thread 0 of each
// block arrives with an acquire-release atomic (after __syncthreads, so its block's writes go with it),
// the last arrival resets the counter and publishes the next generation with a release store, the
// others spin with acquire loads. No fence.sc (__threadfence) on the way, which cooperative_groups'
// grid.sync() issues twice. cg = true: grid.sync() instead (for comparison).
struct GridBarrier {
  unsigned int* count;
  unsigned int* generation;
  unsigned int target;  // generation this block waits for next (thread 0's copy is the one used)
  bool cg;

  __device__ __forceinline__ void sync() {
    if (cg) {
      cooperative_groups::this_grid().sync();
      return;
    }
    __syncthreads();
    if (threadIdx.x == 0) {
      ++target;
      unsigned int arrived;
      asm volatile("atom.add.acq_rel.gpu.global.u32 %0, [%1], 1;" : "=r"(arrived) : "l"(count) : "memory");
      if (arrived == gridDim.x - 1) {
        asm volatile("st.relaxed.gpu.global.u32 [%0], %1;" ::"l"(count), "r"(0u) : "memory");
        asm volatile("st.release.gpu.global.u32 [%0], %1;" ::"l"(generation), "r"(target) : "memory");
      } else {
        unsigned int g;
        do {
          asm volatile("ld.acquire.gpu.global.u32 %0, [%1];" : "=r"(g) : "l"(generation) : "memory");
        } while (static_cast<int>(g - target) < 0);
      }
    }
    __syncthreads();
  }
};

// Where a GEMV phase's input vector comes from.
struct Input {
  const float* x = nullptr;  // a vector this kernel wrote (read through L2)
  bool embed = false;        // or the token embedding at a position (M2M100 sinusoidal)
  int token = 0, pos = 0;
  float* x_out = nullptr;  // embed: block 0 also stores the embedding here (the residual stream)
};

// Token embedding · scale + the position row (precomputed: no sin/cos, and their registers, in here).
__device__ __forceinline__ float4 embed4(const PersistentDecodeArgs& a, int token, int position, int i) {
  const __half2* e = reinterpret_cast<const __half2*>(reinterpret_cast<const __half*>(a.embed) +
                                                      static_cast<size_t>(token) * a.d + i);
  const float2 e0 = __half22float2(e[0]);
  const float2 e1 = __half22float2(e[1]);
  float4 v = make_float4(e0.x * a.embed_scale, e0.y * a.embed_scale, e1.x * a.embed_scale, e1.y * a.embed_scale);
  if (token != a.pad) {  // the padding token's position row is zeros
    const float4 p = *reinterpret_cast<const float4*>(a.positions + static_cast<size_t>(position) * a.d + i);
    v.x += p.x;
    v.y += p.y;
    v.z += p.z;
    v.w += p.w;
  }
  return v;
}

// transformers' M2M100SinusoidalPositionalEmbedding rows for decoder positions 0.., computed with the
// same float operations as embed_kernel (elementwise.cu), so the sums are the same.
__global__ void m2m100_positions_kernel(float* out, int d, int pad, float pos_step) {
  const int position = blockIdx.x;
  const int p = position + pad + 1;
  const int half = d / 2;
  for (int i = threadIdx.x; i < d; i += blockDim.x) {
    float pos = 0.0f;
    if (i < 2 * half) {
      const int f = i < half ? i : i - half;
      const float angle = static_cast<float>(p) * expf(static_cast<float>(f) * -pos_step);
      pos = i < half ? sinf(angle) : cosf(angle);
    }
    out[static_cast<size_t>(position) * d + i] = pos;
  }
}

// The input vector into shared memory, layer-normed when gamma is set (one-pass statistics, as gemv.cu).
__device__ __forceinline__ void load_input(const PersistentDecodeArgs& a, const Input& in, int k, const float* gamma,
                                           const float* beta, float* xs, float* scratch) {
  float sum = 0.0f, sq = 0.0f;
  for (int i = threadIdx.x * 4; i < k; i += kThreads * 4) {
    float4 v;
    if (in.embed) {
      v = embed4(a, in.token, in.pos, i);
      if (blockIdx.x == 0) *reinterpret_cast<float4*>(in.x_out + i) = v;
    } else {
      v = __ldcg(reinterpret_cast<const float4*>(in.x + i));
    }
    *reinterpret_cast<float4*>(xs + i) = v;
    sum += (v.x + v.y) + (v.z + v.w);
    sq += (v.x * v.x + v.y * v.y) + (v.z * v.z + v.w * v.w);
  }
  if (gamma != nullptr) {
    const float2 t = block_sum2(sum, sq, scratch);
    const float mean = t.x / k;
    const float rstd = rsqrtf(fmaxf(t.y / k - mean * mean, 0.0f) + a.eps);
    for (int i = threadIdx.x * 4; i < k; i += kThreads * 4) {
      float4 v = *reinterpret_cast<float4*>(xs + i);
      const float4 g = *reinterpret_cast<const float4*>(gamma + i);
      const float4 b = *reinterpret_cast<const float4*>(beta + i);
      v.x = (v.x - mean) * rstd * g.x + b.x;
      v.y = (v.y - mean) * rstd * g.y + b.y;
      v.z = (v.z - mean) * rstd * g.z + b.z;
      v.w = (v.w - mean) * rstd * g.w + b.w;
      *reinterpret_cast<float4*>(xs + i) = v;
    }
  }
  __syncthreads();
}

// Asks the copy engine to bring rows [row0, row0 + rows) of l into L2 (no registers, no wait).
__device__ __forceinline__ void prefetch_rows(const DecodeLinear& l, int row0, int rows, bool int8) {
  if (row0 >= l.n) return;
  rows = min(rows, l.n - row0);
  const size_t row_bytes = static_cast<size_t>(l.k) * (int8 ? 1 : 2);
  const char* p = static_cast<const char*>(l.w) + row0 * row_bytes;
  asm volatile("cp.async.bulk.prefetch.L2.global [%0], %1;" ::"l"(p), "r"(static_cast<unsigned>(rows * row_bytes))
               : "memory");
}

// Every warp prefetches the rows it will compute in the GEMVs of layer L (one pass each: rows per
// warp were chosen so): during the previous layer, so that the register preloads hit L2.
__device__ __forceinline__ void prefetch_layer(const DecodeLayer& L, bool int8) {
  if ((threadIdx.x & 31) != 0) return;
  const int g = blockIdx.x * kWarps + (threadIdx.x >> 5);
  const DecodeLinear* linears[] = {&L.qkv, &L.out, &L.cross_q, &L.cross_out, &L.fc1, &L.fc2};
#pragma unroll
  for (int i = 0; i < 6; ++i) prefetch_rows(*linears[i], g * linears[i]->rows, linears[i]->rows, int8);
}

// One GEMV phase: preload this warp's first weight slice, wait at the grid barrier, run `before` (every
// block, uniformly), build the input, then epilogue(row, y) for every row with y = W[row]·in (int8
// scale applied, bias not). Blocks without rows skip the input.
// ahead > 0 (the LM head, many row groups per warp): lane 0 keeps the group `ahead` passes ahead on
// its way into L2.
template <int ROWS, bool INT8, typename Before, typename Epilogue>
__device__ __forceinline__ void gemv_phase(const PersistentDecodeArgs& a, const DecodeLinear& l, Input in,
                                           const float* gamma, const float* beta, GridBarrier& grid, float* xs,
                                           float* scratch, Before before, Epilogue epilogue, int ahead = 0) {
  constexpr int kUnroll = kLoads / ROWS;
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int chunks = l.k / (INT8 ? 16 : 8);
  const int groups = (l.n + ROWS - 1) / ROWS;
  const int total = gridDim.x * kWarps;
  int g = blockIdx.x * kWarps + warp;
  uint4 wv[ROWS][kUnroll];
  if (g < groups) gemv_detail::load_group<ROWS, INT8, kLoads>(l, g * ROWS, 0, wv);
  if (lane == 0) {
    for (int i = 1; i <= ahead; ++i) prefetch_rows(l, (g + i * total) * ROWS, ROWS, INT8);
  }
  grid.sync();
  before(in);
  if (blockIdx.x * kWarps >= groups && !(in.embed && blockIdx.x == 0)) return;  // uniform per block
  load_input(a, in, l.k, gamma, beta, xs, scratch);
  bool preloaded = true;
  for (; g < groups; g += total) {
    const int row0 = g * ROWS;
    if (ahead > 0 && lane == 0) prefetch_rows(l, (g + (ahead + 1) * total) * ROWS, ROWS, INT8);
    float acc[ROWS];
#pragma unroll
    for (int r = 0; r < ROWS; ++r) acc[r] = 0.0f;
    for (int c0 = 0; c0 < chunks; c0 += 32 * kUnroll) {
      if (!preloaded) gemv_detail::load_group<ROWS, INT8, kLoads>(l, row0, c0, wv);
      preloaded = false;
      gemv_detail::fma_group<ROWS, INT8, kLoads, false>(wv, xs, c0, chunks, acc);
    }
#pragma unroll
    for (int r = 0; r < ROWS; ++r) acc[r] = warp_sum(acc[r]);
#pragma unroll
    for (int r = 0; r < ROWS; ++r) {
      const int row = row0 + r;
      if (lane != r || row >= l.n) continue;
      float y = acc[r];
      if constexpr (INT8) y *= l.scale[row];
      epilogue(row, y);
    }
  }
}

template <bool INT8, typename Before, typename Epilogue>
__device__ __forceinline__ void gemv_any(const PersistentDecodeArgs& a, const DecodeLinear& l, const Input& in,
                                         const float* gamma, const float* beta, GridBarrier& grid, float* xs,
                                         float* scratch, Before before, Epilogue epilogue) {
  switch (l.rows) {
    case 4: gemv_phase<4, INT8>(a, l, in, gamma, beta, grid, xs, scratch, before, epilogue); break;
    case 2: gemv_phase<2, INT8>(a, l, in, gamma, beta, grid, xs, scratch, before, epilogue); break;
    default: gemv_phase<1, INT8>(a, l, in, gamma, beta, grid, xs, scratch, before, epilogue); break;
  }
}

// One query over `len` keys, one warp per head (the last warps of the grid, which have no rows in the
// next GEMV and so do not delay its weight preload). As attention_rows_warp_kernel, reading through L2.
__device__ __forceinline__ void attention_phase(const PersistentDecodeArgs& a, const float* q, const float* k,
                                                const float* v, int stride, const float* k_bias,
                                                const float* v_bias, int len, GridBarrier& grid, float* smem) {
  grid.sync();
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int h = gridDim.x * kWarps - 1 - (blockIdx.x * kWarps + warp);
  if (h < 0 || h >= a.heads) return;
  float* scores = smem + warp * (score_floats(a.max_len) + kHeadDim);
  WarpAttention w;
  w.q = q;
  w.scale = a.attn_scale;
  w.k = k;
  w.v = v;
  w.stride = stride;
  w.k_bias = k_bias;
  w.v_bias = v_bias;
  w.len = len;
  const float2 o = warp_head_attention<kHeadDim, true>(w, h, scores, scores + score_floats(a.max_len));
  reinterpret_cast<float2*>(a.attn + h * kHeadDim)[lane] = o;
}

// The greedy pick over every block's key (each block computes it; all get the same answer).
__device__ __forceinline__ int argmax_of_blocks(const PersistentDecodeArgs& a, unsigned long long* warp_best) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  unsigned long long best = 0;
  for (int i = threadIdx.x; i < gridDim.x; i += kThreads) {
    const unsigned long long k = __ldcg(a.block_best + i);
    best = k > best ? k : best;
  }
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) {
    const unsigned long long other = __shfl_xor_sync(0xffffffffu, best, o);
    best = other > best ? other : best;
  }
  __syncthreads();  // warp_best may still be read by a previous call
  if (lane == 0) warp_best[warp] = best;
  __syncthreads();
  best = 0;
#pragma unroll
  for (int i = 0; i < kWarps; ++i) best = warp_best[i] > best ? warp_best[i] : best;
  return best == 0 ? 0 : static_cast<int>(0xFFFFFFFFu - static_cast<unsigned int>(best & 0xFFFFFFFFu));
}

template <bool INT8>
__global__ void __launch_bounds__(kThreads, 2) decode_persistent_kernel(PersistentDecodeArgs a) {
  extern __shared__ float4 smem4[];
  float* xs = reinterpret_cast<float*>(smem4);
  __shared__ float scratch[64];
  __shared__ unsigned long long warp_best[kWarps];
  GridBarrier grid{a.barrier, a.barrier + 1, 0u, (a.flags & kPersistentCgBarrier) != 0};
  if (threadIdx.x == 0 && !grid.cg) grid.target = __ldcg(a.barrier + 1);  // before this block's first arrival
  const bool prefetch = (a.flags & kPersistentPrefetch) != 0;
  if ((a.flags & kPersistentBarriersOnly) != 0) {
    for (int i = 0; i < a.steps * (8 * a.n_layers + 1) + 1; ++i) grid.sync();
    return;
  }
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int d = a.d;
  int step = __ldcg(&a.control->step);
  int token = __ldcg(a.tokens + step);
  auto nothing = [](Input&) {};
  // The previous step's greedy pick, done by every block right after the LM head's barrier.
  auto pick = [&](Input& in) {
    const int argmax = argmax_of_blocks(a, warp_best);
    const int forced = a.forced[step];
    token = forced >= 0 ? forced : argmax;
    if (blockIdx.x == 0 && threadIdx.x == 0) {
      a.tokens[step + 1] = token;
      a.control->step = step + 1;
    }
    ++step;
    in.token = token;
    in.pos = step;
  };
  if (prefetch && a.steps > 0) prefetch_layer(a.layers[0], INT8);
  for (int s = 0; s < a.steps; ++s) {
    for (int li = 0; li < a.n_layers; ++li) {
      const DecodeLayer& L = a.layers[li];
      if (prefetch && li + 1 < a.n_layers) prefetch_layer(a.layers[li + 1], INT8);
      Input in;
      if (li == 0) {
        in.embed = true;
        in.token = token;
        in.pos = step;
        in.x_out = a.x;
      } else {
        in.x = a.x;
      }
      float* kc = L.k_cache;
      float* vc = L.v_cache;
      auto qkv_out = [&](int row, float y) {
        y += L.qkv.bias[row];
        if (row < d) {
          a.q[row] = y;
        } else if (row < 2 * d) {
          kc[static_cast<size_t>(step) * d + row - d] = y;
        } else {
          vc[static_cast<size_t>(step) * d + row - 2 * d] = y;
        }
      };
      if (li == 0 && s > 0) {
        gemv_any<INT8>(a, L.qkv, in, L.self_gamma, L.self_beta, grid, xs, scratch, pick, qkv_out);
      } else {
        gemv_any<INT8>(a, L.qkv, in, L.self_gamma, L.self_beta, grid, xs, scratch, nothing, qkv_out);
      }
      attention_phase(a, a.q, kc, vc, d, nullptr, nullptr, step + 1, grid, xs);
      Input att;
      att.x = a.attn;
      auto add_to_x = [&](const DecodeLinear& l) {
        return [&a, &l](int row, float y) { a.x[row] = __ldcg(a.x + row) + y + l.bias[row]; };
      };
      gemv_any<INT8>(a, L.out, att, nullptr, nullptr, grid, xs, scratch, nothing, add_to_x(L.out));
      Input xin;
      xin.x = a.x;
      gemv_any<INT8>(a, L.cross_q, xin, L.cross_gamma, L.cross_beta, grid, xs, scratch, nothing,
                     [&](int row, float y) { a.qc[row] = y + L.cross_q.bias[row]; });
      attention_phase(a, a.qc, L.cross_k, L.cross_v, a.cross_stride, L.cross_k_bias, L.cross_v_bias,
                      __ldcg(&a.control->src_len), grid, xs);
      gemv_any<INT8>(a, L.cross_out, att, nullptr, nullptr, grid, xs, scratch, nothing, add_to_x(L.cross_out));
      gemv_any<INT8>(a, L.fc1, xin, L.final_gamma, L.final_beta, grid, xs, scratch, nothing,
                     [&](int row, float y) { a.f[row] = apply_act(y + L.fc1.bias[row], a.act); });
      Input fin;
      fin.x = a.f;
      gemv_any<INT8>(a, L.fc2, fin, nullptr, nullptr, grid, xs, scratch, nothing, add_to_x(L.fc2));
    }
    // Final LN + LM head: logits and this block's best key.
    unsigned long long best = 0;
    Input xin;
    xin.x = a.x;
    // 4 rows a warp (int8 with 8, to keep fp16's bytes in flight, ran slower on H200: 31.5 vs 23.9 ms).
    constexpr int kHeadRows = 4;
    gemv_phase<kHeadRows, INT8>(a, a.lm_head, xin, a.final_gamma, a.final_beta, grid, xs, scratch, nothing,
                        [&](int row, float y) {
                          y += a.lm_head.bias[row];
                          a.logits[row] = y;
                          const int id = a.lm_row_ids != nullptr ? a.lm_row_ids[row] : row;
                          bool allowed = !(y != y);  // NaN never wins
                          for (int i = 0; i < a.n_suppressed; ++i) allowed = allowed && a.suppressed[i] != id;
                          if (allowed) {
                            // Ties go to the lower index (torch.argmax takes the first maximum).
                            const unsigned long long key = (static_cast<unsigned long long>(ordered(y)) << 32) |
                                                           (0xFFFFFFFFu - static_cast<unsigned int>(id));
                            best = key > best ? key : best;
                          }
                        }, prefetch ? 2 : 0);
    if (prefetch && s + 1 < a.steps) prefetch_layer(a.layers[0], INT8);
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
      const unsigned long long other = __shfl_xor_sync(0xffffffffu, best, o);
      best = other > best ? other : best;
    }
    __syncthreads();
    if (lane == 0) warp_best[warp] = best;
    __syncthreads();
    if (threadIdx.x == 0) {
      for (int i = 0; i < kWarps; ++i) best = warp_best[i] > best ? warp_best[i] : best;
      a.block_best[blockIdx.x] = best;
    }
  }
  // The last step's pick: block 0 alone.
  grid.sync();
  if (blockIdx.x != 0) return;
  Input unused;
  pick(unused);
}

template <bool INT8>
void set_smem(size_t smem) {
  ST_CUDA_CHECK(cudaFuncSetAttribute(decode_persistent_kernel<INT8>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                     static_cast<int>(smem)));
}

}  // namespace

int decode_persistent_grid(bool int8, int sm_count, int max_k, int max_len) {
  int device = 0, cooperative = 0;
  ST_CUDA_CHECK(cudaGetDevice(&device));
  ST_CUDA_CHECK(cudaDeviceGetAttribute(&cooperative, cudaDevAttrCooperativeLaunch, device));
  if (cooperative == 0) return 0;  // co-residency of the whole grid is what makes the barrier safe
  const size_t smem = smem_bytes(max_k, max_len);
  int per_sm = 0;
  if (int8) {
    set_smem<true>(smem);
    ST_CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, decode_persistent_kernel<true>, kThreads, smem));
  } else {
    set_smem<false>(smem);
    ST_CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, decode_persistent_kernel<false>, kThreads, smem));
  }
  return sm_count * std::min(per_sm, 2);
}

int decode_persistent_rows(int n, int grid) {
  const int warps = grid * kWarps;
  if (n <= warps) return 1;
  if (n <= 2 * warps) return 2;
  return 4;
}

void m2m100_positions(float* out, int rows, int d, int pad, cudaStream_t stream) {
  const float pos_step = static_cast<float>(log(10000.0) / (d / 2 - 1));
  m2m100_positions_kernel<<<rows, kThreads, 0, stream>>>(out, d, pad, pos_step);
  ST_CUDA_CHECK(cudaGetLastError());
}

void decode_persistent(const PersistentDecodeArgs& a, bool int8, int grid, int max_k, cudaStream_t stream) {
  if (a.heads * kHeadDim != a.d || a.heads > grid * kWarps) {
    throw Error(StatusCode::kInvalidArgument, "decode_persistent: needs head_dim 64");
  }
  cudaLaunchConfig_t config = {};
  config.gridDim = dim3(grid);
  config.blockDim = dim3(kThreads);
  config.dynamicSmemBytes = smem_bytes(max_k, a.max_len);
  config.stream = stream;
  cudaLaunchAttribute attribute[1];
  attribute[0].id = cudaLaunchAttributeCooperative;
  attribute[0].val.cooperative = 1;
  config.attrs = attribute;
  config.numAttrs = 1;
  if (int8) {
    ST_CUDA_CHECK(cudaLaunchKernelEx(&config, decode_persistent_kernel<true>, a));
  } else {
    ST_CUDA_CHECK(cudaLaunchKernelEx(&config, decode_persistent_kernel<false>, a));
  }
}

}  // namespace stream_tts::nn::cuda
