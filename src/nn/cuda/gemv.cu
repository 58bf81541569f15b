// Batch-1 matrix-vector products of decoder steps: memory-bound, so the whole design is about bytes in
// flight. Each warp owns ROWS consecutive rows and keeps 16 independent 16-byte weight loads in flight
// per lane; the input vector sits in shared memory as fp32 (layer-normed there when asked; padded
// against bank conflicts, xs_at), and sums are fp32. fp16 weights: 8 per load. int8 weights: 16 per
// load, turned into exact floats with the 2^23 trick (byte | 0x4B000000 is the float 2^23 + byte)
// instead of slow int-to-float conversions, and scaled once per row. Before waiting on its
// predecessor (PDL) every warp loads its first weight slice into registers, so that a small GEMV's
// weight traffic overlaps the previous kernel; with GemvArgs::preload its constants (LayerNorm
// gamma/beta, scales, biases) too (GemvConsts). preload is a template parameter (PRELOAD) of every
// kernel here, chosen once at the launch (with_bool).
#include <cfloat>
#include <climits>

#include "nn/cuda/decode_attention.cuh"
#include "nn/cuda/device_utils.cuh"
#include "nn/cuda/gemv_math.cuh"

namespace stream_tts::nn::cuda {
namespace {

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
};

__device__ __forceinline__ void load_ln_consts(const GemvArgs& a, GemvConsts& c) {
  const int i = threadIdx.x * 4;
  if (a.ln_gamma != nullptr && i < a.k) {
    c.gamma = *reinterpret_cast<const float4*>(a.ln_gamma + i);
    c.beta = *reinterpret_cast<const float4*>(a.ln_beta + i);
  }
}

template <int ROWS, bool INT8, bool FOLD = false>
__device__ __forceinline__ void load_row_consts(const GemvArgs& a, int row0, GemvConsts& c) {
  const int lane = threadIdx.x & 31, row = row0 + lane;
  if (lane < ROWS && row < a.n) {
    if constexpr (INT8) c.scale = a.scale[row];
    c.bias = a.bias != nullptr ? a.bias[row] : 0.0f;
    if constexpr (FOLD) c.row_sum = a.ln_row_sum[row];
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
template <bool INT8, bool PRELOAD, bool FOLD = false>
__device__ __forceinline__ void load_input(const GemvArgs& a, float* xs, float* scratch, GemvConsts& c) {
  if constexpr (FOLD) {
    static_assert(PRELOAD, "the folded LayerNorm keeps its statistics with the preloaded constants");
    float sum = 0.0f, sq = 0.0f;
    for (int i = threadIdx.x * 4; i < a.k; i += kThreads * 4) {
      const float4 v = input4(a, i);
      sum += (v.x + v.y) + (v.z + v.w);
      sq += (v.x * v.x + v.y * v.y) + (v.z * v.z + v.w * v.w);
      const float4 g = i == threadIdx.x * 4 ? c.gamma : *reinterpret_cast<const float4*>(a.ln_gamma + i);
      *reinterpret_cast<float4*>(xs + xs_at<INT8>(i)) = make_float4(v.x * g.x, v.y * g.y, v.z * g.z, v.w * g.w);
    }
    grid_zero_fill<kThreads>(a.zero, a.zero_n);
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    sum = warp_sum(sum);
    sq = warp_sum(sq);
    if (lane == 0) {
      scratch[warp] = sum;
      scratch[32 + warp] = sq;
    }
    __syncthreads();  // xs and the warps' partial sums
    sum = sq = 0.0f;
#pragma unroll
    for (int w = 0; w < kWarps; ++w) {
      sum += scratch[w];
      sq += scratch[32 + w];
    }
    c.mean = sum / a.k;
    c.rstd = rsqrtf(fmaxf(sq / a.k - c.mean * c.mean, 0.0f) + a.ln_eps);
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
      const float* xc = xs + xs_at<INT8>(c * kElems);
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
template <int ROWS, bool INT8, bool PRELOAD, typename Epilogue, bool FOLD = false>
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
    load_row_consts<ROWS, INT8, FOLD>(a, g * ROWS, consts);
  }
  pdl_launch_dependents();
  pdl_wait();
  load_input<INT8, PRELOAD, FOLD>(a, xs, scratch, consts);
  bool preloaded = true;
  for (; g < groups; g += g_stride) {
    const int row0 = g * ROWS;
    if constexpr (PRELOAD) {
      if (!preloaded) load_row_consts<ROWS, INT8, FOLD>(a, row0, consts);  // overlaps the sums below
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

template <int ROWS, bool INT8, bool PRELOAD, bool FOLD = false>
__global__ void __launch_bounds__(kThreads) gemv_kernel(GemvArgs a) {
  extern __shared__ float4 smem4[];
  float* xs = reinterpret_cast<float*>(smem4);
  __shared__ float scratch[64];
  const int lane = threadIdx.x & 31;
  auto epilogue = [&](int row0, const float (&acc)[ROWS], const GemvConsts& pc) {
#pragma unroll
    for (int r = 0; r < ROWS; ++r) {
      const int row = row0 + r;
      if (lane != r || row >= a.n) continue;
      float y = apply_act(row_value<INT8, PRELOAD, FOLD>(a, row, acc[r], pc), a.act);
      if (a.residual != nullptr) y += a.residual[row];
      if (a.seg > 0 && row >= a.seg) {
        const int part = row / a.seg;
        float* dst = (part == 1 ? a.out1 : a.out2) + static_cast<size_t>(*a.pos) * a.seg;
        dst[row - part * a.seg] = y;
      } else {
        a.out[row] = y;
      }
    }
  };
  gemv_body<ROWS, INT8, PRELOAD, decltype(epilogue), FOLD>(a, xs, scratch, epilogue);
}

template <int ROWS, bool INT8, bool PRELOAD, bool FOLD = false>
__global__ void __launch_bounds__(kThreads) lm_head_kernel(LmHeadArgs h) {
  extern __shared__ float4 smem4[];
  float* xs = reinterpret_cast<float*>(smem4);
  __shared__ float scratch[64];
  __shared__ unsigned long long best_of_warp[kWarps];
  __shared__ bool last_block;
  const GemvArgs& a = h.gemv;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  unsigned long long best = 0;
  auto epilogue = [&](int row0, const float (&acc)[ROWS], const GemvConsts& pc) {
#pragma unroll
    for (int r = 0; r < ROWS; ++r) {
      const int row = row0 + r;
      if (lane != r || row >= a.n) continue;
      const float y = row_value<INT8, PRELOAD, FOLD>(a, row, acc[r], pc);
      a.out[row] = y;
      const int id = h.row_ids != nullptr ? h.row_ids[row] : row;
      bool allowed = !(y != y);  // NaN never wins
      for (int i = 0; i < h.n_suppressed; ++i) allowed = allowed && h.suppressed[i] != id;
      if (allowed) {
        // Ties go to the lower index (torch.argmax takes the first maximum).
        const unsigned long long key =
            (static_cast<unsigned long long>(ordered(y)) << 32) | (0xFFFFFFFFu - static_cast<unsigned int>(id));
        best = key > best ? key : best;
      }
    }
  };
  gemv_body<ROWS, INT8, PRELOAD, decltype(epilogue), FOLD>(a, xs, scratch, epilogue);
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
  if (!last_block) return;
  __shared__ int next[2];
  if (threadIdx.x == 0) {
    __threadfence();
    DecodeControl* c = h.control;
    const unsigned long long key = atomicAdd(&c->key, 0ull);
    const int argmax = key == 0 ? 0 : static_cast<int>(0xFFFFFFFFu - static_cast<unsigned int>(key & 0xFFFFFFFFu));
    const int step = c->step;
    const int forced = h.forced[step];
    const int token = forced >= 0 ? forced : argmax;
    h.tokens[step + 1] = token;
    c->step = step + 1;
    c->key = 0;
    c->blocks_done = 0;
    next[0] = token;
    next[1] = step + 1;
  }
  if (h.embed_out == nullptr) return;
  __syncthreads();
  // The next step's input: as embed() for token `next[0]` at position `next[1]`.
  const int token = next[0];
  const int p = token == h.pad ? h.pad : next[1] + h.pad + 1;
  const __half* e = reinterpret_cast<const __half*>(h.embed) + static_cast<size_t>(token) * a.k;
  for (int i = threadIdx.x; i < a.k; i += kThreads) {
    h.embed_out[i] = __half2float(e[i]) * h.embed_scale + m2m100_position(p, h.pad, i, a.k);
  }
}

// The fused FFN (kernels.cuh). Before the PDL wait every thread loads its share of the block's W2ᵀ rows
// (kFfnUnits × d: 16-byte column chunk t % spans of units part·upp .. + upp), into registers or, with
// SHARED, through the async copy unit into shared memory (<= 128 registers a thread, so that the next
// kernel's blocks fit beside this one's), and every warp its first W1 slice (gemv_body): both weight
// streams overlap the previous kernel.
constexpr int kFfnUnits = 4 * kWarps;  // hidden units per block: 8 warps × 4 rows of W1

struct FfnShape {
  int spans, parts, upp;  // threads per W2ᵀ row (16-byte chunks), thread groups splitting the units, units per group
};

__host__ __device__ inline FfnShape ffn_shape(int d, bool int8) {
  FfnShape s;
  s.spans = d / (int8 ? 16 : 8);
  s.parts = s.spans > 0 ? kThreads / s.spans : 0;
  s.upp = s.parts > 0 ? kFfnUnits / s.parts : 0;
  return s;
}

// Dynamic shared memory: input [d] floats (padded: xs_at), partial sums [parts, d] floats, W2ᵀ rows when
// shared.
size_t ffn_smem(int d, bool int8, bool shared) {
  return xs_bytes(d, int8) + static_cast<size_t>(ffn_shape(d, int8).parts) * d * sizeof(float) +
         (shared ? static_cast<size_t>(kFfnUnits) * d * (int8 ? 1 : 2) : 0);
}

template <bool INT8, bool SHARED, bool PRELOAD, bool FOLD = false>
__global__ void __launch_bounds__(kThreads, SHARED ? 2 : 1) ffn_kernel(FfnArgs f) {
  constexpr int kElems = INT8 ? 16 : 8;
  constexpr int kMaxUpp = 16;
  extern __shared__ float4 smem4[];
  float* xs = reinterpret_cast<float*>(smem4);  // [d]
  const FfnShape sh = ffn_shape(f.d, INT8);
  float* red = xs + xs_at<INT8>(f.d);                                // [parts, d]
  uint4* w2s = reinterpret_cast<uint4*>(red + sh.parts * f.d);       // [kFfnUnits, spans]
  __shared__ float scratch[64];
  __shared__ float hs[kFfnUnits];
  const int c = threadIdx.x % sh.spans, part = threadIdx.x / sh.spans;
  const uint4* w2 = static_cast<const uint4*>(f.w2t) + static_cast<size_t>(blockIdx.x) * kFfnUnits * sh.spans;
  uint4 w2v[SHARED ? 1 : kMaxUpp];
  if constexpr (SHARED) {
    for (int i = threadIdx.x; i < kFfnUnits * sh.spans; i += kThreads) cp_async16(w2s + i, w2 + i);
    cp_async_commit();
  } else {
#pragma unroll
    for (int u = 0; u < kMaxUpp; ++u) {
      if (u < sh.upp) w2v[u] = load_weights(w2 + (part * sh.upp + u) * sh.spans + c);
    }
  }
  GemvArgs g;
  g.w = f.w1;
  g.scale = f.scale1;
  g.bias = f.bias1;
  g.n = f.ffn;
  g.k = f.d;
  g.x = f.x;
  g.x_add = f.x_add;
  g.x_store = f.x_store;
  g.ln_gamma = f.ln_gamma;
  g.ln_beta = f.ln_beta;
  g.ln_eps = f.ln_eps;
  g.ln_row_sum = f.ln_row_sum;
  // The W2 epilogue's constants of this thread's first float4 of the output (GemvConsts says why).
  float4 sc2 = make_float4(1.0f, 1.0f, 1.0f, 1.0f), b2 = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
  if (PRELOAD && threadIdx.x * 4 < f.d) {
    if constexpr (INT8) sc2 = *reinterpret_cast<const float4*>(f.scale2 + threadIdx.x * 4);
    if (blockIdx.x == 0 && f.bias2 != nullptr) b2 = *reinterpret_cast<const float4*>(f.bias2 + threadIdx.x * 4);
  }
  const int lane = threadIdx.x & 31;
  auto epilogue = [&](int row0, const float (&acc)[4], const GemvConsts& pc) {
#pragma unroll
    for (int r = 0; r < 4; ++r) {
      if (lane == r) {
        hs[row0 + r - blockIdx.x * kFfnUnits] =
            apply_act(row_value<INT8, PRELOAD, FOLD>(g, row0 + r, acc[r], pc), f.act);
      }
    }
  };
  gemv_body<4, INT8, PRELOAD, decltype(epilogue), FOLD>(g, xs, scratch, epilogue);
  if constexpr (SHARED) cp_async_wait_all();
  __syncthreads();
  float acc[kElems];
#pragma unroll
  for (int e = 0; e < kElems; ++e) acc[e] = 0.0f;
#pragma unroll
  for (int u = 0; u < kMaxUpp; ++u) {
    if (u < sh.upp) {
      const int unit = part * sh.upp + u;
      const float hv = hs[unit];
      uint4 wv;
      if constexpr (SHARED) {
        wv = w2s[unit * sh.spans + c];
      } else {
        wv = w2v[u];
      }
      float w[kElems];
      if constexpr (INT8) {
        unpack16_int8(wv, w);
      } else {
        unpack8_half(wv, w);
      }
#pragma unroll
      for (int e = 0; e < kElems; ++e) acc[e] = fmaf(hv, w[e], acc[e]);
    }
  }
  float4* mine = reinterpret_cast<float4*>(red + part * f.d + c * kElems);
#pragma unroll
  for (int e = 0; e < kElems / 4; ++e) {
    mine[e] = make_float4(acc[4 * e], acc[4 * e + 1], acc[4 * e + 2], acc[4 * e + 3]);
  }
  __syncthreads();
  for (int i = threadIdx.x * 4; i < f.d; i += kThreads * 4) {
    float4 s = *reinterpret_cast<const float4*>(red + i);
    for (int p = 1; p < sh.parts; ++p) {
      const float4 t = *reinterpret_cast<const float4*>(red + p * f.d + i);
      s.x += t.x;
      s.y += t.y;
      s.z += t.z;
      s.w += t.w;
    }
    const bool pre = PRELOAD && i == threadIdx.x * 4;
    if constexpr (INT8) {
      const float4 sc = pre ? sc2 : *reinterpret_cast<const float4*>(f.scale2 + i);
      s.x *= sc.x;
      s.y *= sc.y;
      s.z *= sc.z;
      s.w *= sc.w;
    }
    if (blockIdx.x == 0 && f.bias2 != nullptr) {
      const float4 b = pre ? b2 : *reinterpret_cast<const float4*>(f.bias2 + i);
      s.x += b.x;
      s.y += b.y;
      s.z += b.z;
      s.w += b.w;
    }
    atomicAdd(reinterpret_cast<float4*>(f.out + blockIdx.x % f.out_copies * f.d + i), s);
  }
}

// The cross-attention of a decode step in one launch (kernels.cuh). Before the PDL wait every thread
// loads its W_o weights (as attention_out: OROWS rows, one 16-byte load each) and every warp its
// QROWS rows of the head's W_q (gemv_body: the whole 64 × d slice in one pass for int8, 8 rows a
// warp; fp16 in two passes of 4 rows). After it: LN(x) into shared memory, q_h by warp sums, the
// head's attention (MODE 1: one warp, 2: the block), the projection's share added with atomics.
// CLUSTER: the splits of a head are one thread-block cluster and each computes only its 64 / splits rows
// of q_h (QROWS a warp), which the others read from its shared memory (no repeated W_q rows, no trip
// of q through L2); each block then keeps its shared memory until every block of the cluster has read it.
template <bool INT8, int QROWS, int OROWS, int MODE, bool PRELOAD, bool CLUSTER = false>
__global__ void __launch_bounds__(kThreads) cross_attention_out_kernel(CrossAttentionOutArgs c) {
  constexpr int kHd = 64;
  constexpr int kElems = INT8 ? 16 : 8;
  constexpr int kLanes = kHd / kElems;  // threads a W_o row
  extern __shared__ float4 smem4[];
  float* xs = reinterpret_cast<float*>(smem4);  // [q.k] (padded: xs_at)
  float* scores = xs + xs_at<INT8>(c.q.k);      // [att.max_len]
  __shared__ float scratch[64];
  __shared__ __align__(16) float qh[kHd];
  __shared__ __align__(16) float qs[kHd];
  __shared__ __align__(16) float ho[kHd];
  __shared__ float qpart[CLUSTER ? kHd : 1];  // CLUSTER: this block's rows of q_h
  const AttentionOutArgs& o = c.out;
  const int splits = o.splits;
  const int h = blockIdx.x / splits;
  const int split = blockIdx.x % splits;  // CLUSTER: also the block's rank in its cluster
  const int row0 = split * OROWS * (kThreads / kLanes) + threadIdx.x / kLanes;
  const int lane = threadIdx.x % kLanes;
  uint4 wv[OROWS];
#pragma unroll
  for (int r = 0; r < OROWS; ++r) {
    const int row = row0 + r * (kThreads / kLanes);
    wv[r] = make_uint4(0, 0, 0, 0);
    if (row < o.n) {
      const char* base =
          static_cast<const char*>(o.w) + (static_cast<size_t>(row) * o.k + h * kHd + lane * kElems) * (INT8 ? 1 : 2);
      wv[r] = load_weights(reinterpret_cast<const uint4*>(base));
    }
  }
  float osc[OROWS], obi[OROWS];  // the projection rows' scale and bias (PRELOAD: before the wait)
#pragma unroll
  for (int r = 0; r < OROWS; ++r) {
    const int row = row0 + r * (kThreads / kLanes);
    osc[r] = 1.0f;
    obi[r] = 0.0f;
    if (PRELOAD && lane == 0 && row < o.n) {
      if constexpr (INT8) osc[r] = o.scale[row];
      if (h == 0 && o.bias != nullptr) obi[r] = o.bias[row];
    }
  }
  GemvArgs g = c.q;  // the head's 64 rows of W_q
  g.w = static_cast<const char*>(g.w) + static_cast<size_t>(h) * kHd * g.k * (INT8 ? 1 : 2);
  if constexpr (INT8) g.scale += h * kHd;
  if (g.bias != nullptr) g.bias += h * kHd;
  g.n = kHd;
  const int q_rows = CLUSTER ? kHd / splits : kHd;  // rows of q_h this block computes
  if constexpr (CLUSTER) {
    g.w = static_cast<const char*>(g.w) + static_cast<size_t>(split) * q_rows * g.k * (INT8 ? 1 : 2);
    if constexpr (INT8) g.scale += split * q_rows;
    if (g.bias != nullptr) g.bias += split * q_rows;
    g.n = q_rows;
  }
  float* q_out = CLUSTER ? qpart : qh;
  const int warp = threadIdx.x >> 5, wl = threadIdx.x & 31;
  gemv_body<QROWS, INT8, PRELOAD>(
      g, xs, scratch,
      [&](int r0, const float (&acc)[QROWS], const GemvConsts& pc) {
#pragma unroll
        for (int r = 0; r < QROWS; ++r) {
          if (wl == r) q_out[r0 + r] = row_value<INT8, PRELOAD>(g, r0 + r, acc[r], pc);
        }
      },
      warp, kWarps);
  if constexpr (CLUSTER) {
    cluster_arrive_release();
    cluster_wait_acquire();
    if (threadIdx.x < kHd) qh[threadIdx.x] = cluster_peer_shared(qpart, threadIdx.x / q_rows)[threadIdx.x % q_rows];
    cluster_arrive_release();  // done reading the others' qpart (waited for before this block exits)
  }
  __syncthreads();
  const AttentionArgs& at = o.att;
  WarpAttention wa;
  wa.q = qh;
  wa.scale = at.scale;
  wa.k = at.k + h * kHd;
  wa.v = at.v + h * kHd;
  wa.stride = at.kv_stride;
  wa.k_bias = at.k_bias != nullptr ? at.k_bias + h * kHd : nullptr;
  wa.v_bias = at.v_bias != nullptr ? at.v_bias + h * kHd : nullptr;
  wa.len = at.len_ptr != nullptr ? *at.len_ptr + at.len_add : at.len_add;
  if constexpr (MODE == 1) {
    if (threadIdx.x < 32) {
      const float2 v = warp_head_attention<kHd, false>(wa, 0, scores, qs);
      reinterpret_cast<float2*>(ho)[threadIdx.x] = v;
    }
    __syncthreads();
  } else {
    __shared__ __align__(16) float partial[kWarps * kHd];
    block_head_attention<kHd>(wa, 0, scores, qs, partial, ho);
  }
  const float* xa = ho + lane * kElems;
#pragma unroll
  for (int r = 0; r < OROWS; ++r) {
    float s = INT8 ? dot16_int8(wv[r], xa) : dot8_half(wv[r], xa);
#pragma unroll
    for (int m = kLanes / 2; m > 0; m >>= 1) s += __shfl_xor_sync(0xffffffffu, s, m);
    const int row = row0 + r * (kThreads / kLanes);
    if (lane == 0 && row < o.n) {
      if constexpr (PRELOAD) {
        s = s * osc[r] + obi[r];
      } else {
        if constexpr (INT8) s *= o.scale[row];
        if (h == 0 && o.bias != nullptr) s += o.bias[row];
      }
      atomicAdd(o.x + row, s);
    }
  }
  if constexpr (CLUSTER) cluster_wait_acquire();
}

// Rows per warp: enough warps to cover every SM about twice, at most 4 rows (16 loads) per warp.
int rows_per_warp(int n, int sm_count) {
  if (n >= 4 * kWarps * sm_count) return 4;
  if (n >= 2 * kWarps * sm_count) return 2;
  return 1;
}

template <bool INT8, bool PRELOAD, bool FOLD = false>
void gemv_launch(const GemvArgs& a, int sm_count, cudaStream_t stream, bool pdl) {
  const int rows = rows_per_warp(a.n, sm_count);
  const int per_block = kWarps * rows;
  const int blocks = std::min((a.n + per_block - 1) / per_block, 8 * sm_count);
  const size_t smem = xs_bytes(a.k, INT8);
  auto go = [&](auto kernel) {
    if (smem > 48 * 1024) {  // fp16 k = 8192 (the padding takes 1.5 × k floats)
      ST_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem)));
    }
    launch(kernel, blocks, kThreads, smem, stream, pdl, a);
  };
  switch (rows) {
    case 4: go(gemv_kernel<4, INT8, PRELOAD, FOLD>); break;
    case 2: go(gemv_kernel<2, INT8, PRELOAD, FOLD>); break;
    default: go(gemv_kernel<1, INT8, PRELOAD, FOLD>); break;
  }
}

// The LayerNorm folded into the rows (GemvArgs::ln_row_sum): only with preloaded constants.
bool ln_folded(const GemvArgs& a) { return a.ln_row_sum != nullptr && a.ln_gamma != nullptr && a.preload; }

}  // namespace

void gemv(const GemvArgs& a, bool int8, int sm_count, cudaStream_t stream, bool pdl) {
  if (ln_folded(a)) {
    int8 ? gemv_launch<true, true, true>(a, sm_count, stream, pdl)
         : gemv_launch<false, true, true>(a, sm_count, stream, pdl);
    return;
  }
  with_bool(a.preload, [&](auto preload) {
    constexpr bool kPre = decltype(preload)::value;
    if (int8) {
      gemv_launch<true, kPre>(a, sm_count, stream, pdl);
    } else {
      gemv_launch<false, kPre>(a, sm_count, stream, pdl);
    }
  });
}

void lm_head(const LmHeadArgs& h, bool int8, int sm_count, cudaStream_t stream, bool pdl) {
  // Two resident blocks per SM (about 100 registers a thread), each warp streaming 4 rows at a time
  // (fp16) or 8 (int8: a 1024-wide row is 64 chunks, so 4 rows of 4 chunks a lane would leave half the
  // lanes without loads).
  const int rows = h.rows_per_warp > 0 ? h.rows_per_warp : int8 ? 8 : 4;
  const int per_block = kWarps * rows;
  const int blocks = std::min((h.gemv.n + per_block - 1) / per_block, 2 * sm_count);
  const size_t smem = xs_bytes(h.gemv.k, int8);
  if (ln_folded(h.gemv)) {
    if (int8 && rows == 8) {
      launch(lm_head_kernel<8, true, true, true>, blocks, kThreads, smem, stream, pdl, h);
    } else if (int8) {
      launch(lm_head_kernel<4, true, true, true>, blocks, kThreads, smem, stream, pdl, h);
    } else {
      launch(lm_head_kernel<4, false, true, true>, blocks, kThreads, smem, stream, pdl, h);
    }
    return;
  }
  with_bool(h.gemv.preload, [&](auto preload) {
    constexpr bool kPre = decltype(preload)::value;
    if (int8 && rows == 8) {
      launch(lm_head_kernel<8, true, kPre>, blocks, kThreads, smem, stream, pdl, h);
    } else if (int8) {
      launch(lm_head_kernel<4, true, kPre>, blocks, kThreads, smem, stream, pdl, h);
    } else {
      launch(lm_head_kernel<4, false, kPre>, blocks, kThreads, smem, stream, pdl, h);
    }
  });
}

bool cross_attention_out_supported(int head_dim, int d, int heads, int n_q) {
  return head_dim == 64 && d > 0 && d % 16 == 0 && n_q == heads * 64;
}

bool cross_attention_out_cluster_supported(int d) {
  // 128 output rows a block: d / 128 splits, one cluster a head; 64 / splits rows of q_h a block.
  return d == 1024 || d == 256;
}

void cross_attention_out(const CrossAttentionOutArgs& a, bool int8, cudaStream_t stream, bool pdl) {
  const AttentionArgs& at = a.out.att;
  if (!cross_attention_out_supported(at.head_dim, a.q.k, at.heads, a.q.n) || at.rows != 1 || a.out.k != a.q.n) {
    throw Error(StatusCode::kInvalidArgument, "cross_attention_out: shape not supported");
  }
  CrossAttentionOutArgs c = a;
  // 128 output rows a block (256 when wide): fp16 8 threads × 4 rows, int8 4 threads × 2 rows a row.
  const int per_block = (a.wide ? 2 : 1) * 128;
  c.out.splits = (a.out.n + per_block - 1) / per_block;
  const size_t smem = xs_bytes(a.q.k, int8) + static_cast<size_t>(at.max_len) * sizeof(float);
  const dim3 grid(at.heads * c.out.splits);
  const bool block = a.out.block_attention;
  auto go = [&](auto kernel) { launch(kernel, grid, dim3(kThreads), smem, stream, pdl, c); };
  if (a.cluster) {
    if (a.wide || !cross_attention_out_cluster_supported(a.q.k)) {
      throw Error(StatusCode::kInvalidArgument, "cross_attention_out: no cluster variant for d " + std::to_string(a.q.k));
    }
    // One cluster a head. 8 splits (d 1024): a row of q_h a warp; 2 splits (d 256): 4 rows.
    auto go_cluster = [&](auto kernel) {
      launch_in_clusters(static_cast<unsigned int>(c.out.splits), kernel, grid, dim3(kThreads), smem, stream, pdl, c);
    };
    with_bool(a.q.preload, [&](auto preload) {
      with_bool(c.out.splits == 8, [&](auto eight) {
        with_bool(block, [&](auto block_attention) {
          constexpr bool kPre = decltype(preload)::value;
          constexpr int kQRows = decltype(eight)::value ? 1 : 4;
          constexpr int kMode = decltype(block_attention)::value ? 2 : 1;
          int8 ? go_cluster(cross_attention_out_kernel<true, kQRows, 2, kMode, kPre, true>)
               : go_cluster(cross_attention_out_kernel<false, kQRows, 4, kMode, kPre, true>);
        });
      });
    });
    return;
  }
  with_bool(a.q.preload, [&](auto preload) {
    constexpr bool kPre = decltype(preload)::value;
    if (int8) {
      if (a.wide) {
        block ? go(cross_attention_out_kernel<true, 8, 4, 2, kPre>)
              : go(cross_attention_out_kernel<true, 8, 4, 1, kPre>);
      } else {
        block ? go(cross_attention_out_kernel<true, 8, 2, 2, kPre>)
              : go(cross_attention_out_kernel<true, 8, 2, 1, kPre>);
      }
    } else {
      if (a.wide) {
        block ? go(cross_attention_out_kernel<false, 4, 8, 2, kPre>)
              : go(cross_attention_out_kernel<false, 4, 8, 1, kPre>);
      } else {
        block ? go(cross_attention_out_kernel<false, 4, 4, 2, kPre>)
              : go(cross_attention_out_kernel<false, 4, 4, 1, kPre>);
      }
    }
  });
}

bool ffn_fused_supported(int d, int ffn, bool int8) {
  const int elems = int8 ? 16 : 8;
  if (d <= 0 || d % elems != 0 || ffn % kFfnUnits != 0) return false;
  const FfnShape s = ffn_shape(d, int8);
  if (s.spans > kThreads || kThreads % s.spans != 0 || kFfnUnits % s.parts != 0 || s.upp > 16) return false;
  return ffn_smem(d, int8, true) <= 160 * 1024;
}

void ffn_fused(const FfnArgs& a, bool int8, cudaStream_t stream, bool pdl) {
  if (!ffn_fused_supported(a.d, a.ffn, int8)) {
    throw Error(StatusCode::kInvalidArgument, "ffn_fused: d " + std::to_string(a.d) + " not supported");
  }
  const size_t smem = ffn_smem(a.d, int8, a.w2_shared);
  const int blocks = a.ffn / kFfnUnits;
  auto go = [&](auto kernel) {
    ST_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem)));
    launch(kernel, blocks, kThreads, smem, stream, pdl, a);
  };
  if (a.ln_row_sum != nullptr && a.ln_gamma != nullptr && a.preload) {  // the folded LayerNorm, as ln_folded()
    // With W2 in shared memory too: the runner passes bias1 = b1 + W1·β whenever it folds, so the
    // unfolded kernel would add β's share twice.
    with_bool(a.w2_shared, [&](auto shared) {
      constexpr bool kShared = decltype(shared)::value;
      int8 ? go(ffn_kernel<true, kShared, true, true>) : go(ffn_kernel<false, kShared, true, true>);
    });
    return;
  }
  with_bool(a.preload, [&](auto preload) {
    constexpr bool kPre = decltype(preload)::value;
    if (int8) {
      a.w2_shared ? go(ffn_kernel<true, true, kPre>) : go(ffn_kernel<true, false, kPre>);
    } else {
      a.w2_shared ? go(ffn_kernel<false, true, kPre>) : go(ffn_kernel<false, false, kPre>);
    }
  });
}

}  // namespace stream_tts::nn::cuda
