// Attention for short sequences (tens of tokens): one block per (head, query row). Scores live in
// shared memory; sums in fp32. Used for decode steps (one query over the KV cache or the encoder
// output) and for the encoder's self-attention (rows = source length).
#include <cfloat>

#include "nn/cuda/decode_attention.cuh"
#include "nn/cuda/device_utils.cuh"
#include "nn/cuda/gemv_math.cuh"

namespace stream_tts::nn::cuda {
namespace {

constexpr int kThreads = 256;
constexpr int kMaxHeadDim = 256;  // AttentionSmem holds a head's query and output
constexpr int kGroup = 8;  // threads per key for the scores (8 × 32 bytes = a 64-dim fp32 head slice)

struct AttentionSmem {
  float qs[kMaxHeadDim];
  float out[kMaxHeadDim];
  float partial[kThreads];
  float scratch[64];
};

// Attention of query row i, head h, into sm.out[0, head_dim) (fp32, v bias included). Latency matters
// more than throughput here (a decode step runs 24 of these back to back): every phase runs all keys at
// once (kThreads / kGroup keys per pass) instead of a warp per key in turn.
__device__ void head_attention(const AttentionArgs& a, int h, int i, float* scores, AttentionSmem& sm) {
  const int hd = a.head_dim;
  const int len = a.len_ptr != nullptr ? *a.len_ptr + a.len_add : a.len_add;
  const int col = h * hd;
  for (int t = threadIdx.x; t < hd; t += kThreads) {
    float q = a.q[static_cast<size_t>(i) * a.q_stride + col + t];
    if (a.q_bias != nullptr) q += a.q_bias[col + t];
    sm.qs[t] = q * a.scale;
  }
  __syncthreads();
  const int sub = threadIdx.x % kGroup;
  for (int j0 = 0; j0 < len; j0 += kThreads / kGroup) {
    const int j = j0 + threadIdx.x / kGroup;
    float s = 0.0f;
    if (j < len) {
      const float* kj = a.k + static_cast<size_t>(j) * a.kv_stride + col;
      for (int t = sub * 4; t < hd; t += kGroup * 4) {
        float4 kv = *reinterpret_cast<const float4*>(kj + t);
        if (a.k_bias != nullptr) {
          const float4 b = *reinterpret_cast<const float4*>(a.k_bias + col + t);
          kv.x += b.x;
          kv.y += b.y;
          kv.z += b.z;
          kv.w += b.w;
        }
        const float4 q = *reinterpret_cast<const float4*>(sm.qs + t);
        s = fmaf(q.x, kv.x, s);
        s = fmaf(q.y, kv.y, s);
        s = fmaf(q.z, kv.z, s);
        s = fmaf(q.w, kv.w, s);
      }
    }
#pragma unroll
    for (int o = kGroup / 2; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
    if (sub == 0 && j < len) scores[j] = s;
  }
  __syncthreads();
  float m = -3.402823466e38f;
  for (int j = threadIdx.x; j < len; j += kThreads) m = fmaxf(m, scores[j]);
  m = block_max(m, sm.scratch);
  float total = 0.0f;
  for (int j = threadIdx.x; j < len; j += kThreads) {
    const float e = expf(scores[j] - m);
    scores[j] = e;
    total += e;
  }
  total = block_sum(total, sm.scratch);  // its barriers also publish scores[]
  const float inv_total = 1.0f / total;
  // head_dim columns × `parts` interleaved slices of the keys, combined through shared memory.
  const int parts = hd >= kThreads ? 1 : kThreads / hd;
  for (int t0 = 0; t0 < hd; t0 += kThreads) {
    const int t = t0 + threadIdx.x % (hd >= kThreads ? kThreads : hd);
    const int part = hd >= kThreads ? 0 : threadIdx.x / hd;
    float acc = 0.0f;
    if (t < hd && part < parts) {
      const float* vc = a.v + col + t;
      for (int j = part; j < len; j += parts) acc = fmaf(scores[j], vc[static_cast<size_t>(j) * a.kv_stride], acc);
    }
    sm.partial[threadIdx.x] = acc;
    __syncthreads();
    if (threadIdx.x < hd && t0 + threadIdx.x < hd) {
      float sum = 0.0f;
      for (int p = 0; p < parts; ++p) sum += sm.partial[p * hd + threadIdx.x];
      // Σ p_j (v_j + b) = Σ p_j v_j + b, the probabilities summing to one.
      float o = sum * inv_total;
      if (a.v_bias != nullptr) o += a.v_bias[col + t0 + threadIdx.x];
      sm.out[t0 + threadIdx.x] = o;
    }
    __syncthreads();
  }
}

__global__ void __launch_bounds__(kThreads) attention_kernel(AttentionArgs a) {
  extern __shared__ float scores[];
  __shared__ __align__(16) AttentionSmem sm;
  pdl_launch_dependents();
  pdl_wait();
  const int h = blockIdx.x, i = blockIdx.y;
  head_attention(a, h, i, scores, sm);
  for (int t = threadIdx.x; t < a.head_dim; t += kThreads) {
    const size_t at = static_cast<size_t>(i) * a.out_stride + h * a.head_dim + t;
    if (a.out_half) {
      static_cast<__half*>(a.out)[at] = __float2half_rn(sm.out[t]);
    } else {
      static_cast<float*>(a.out)[at] = sm.out[t];
    }
  }
}

__device__ __forceinline__ WarpAttention warp_args(const AttentionArgs& a) {
  WarpAttention w;
  w.q = a.q;
  w.q_bias = a.q_bias;
  w.scale = a.scale;
  w.k = a.k;
  w.v = a.v;
  w.stride = a.kv_stride;
  w.k_bias = a.k_bias;
  w.v_bias = a.v_bias;
  w.len = a.len_ptr != nullptr ? *a.len_ptr + a.len_add : a.len_add;
  return w;
}

// One warp per (head, query row) (decode_attention.cuh), no block barriers: a decode query (rows = 1) or the encoder's
// self-attention (rows = source length; H100, 24 tokens: a block per (head, row) took 5.3 µs a layer);
// fp16 or fp32 output.
template <int HD>
__global__ void __launch_bounds__(32) attention_rows_warp_kernel(AttentionArgs a) {
  extern __shared__ float scores[];
  __shared__ __align__(16) float qs[HD];
  pdl_launch_dependents();
  pdl_wait();
  const int h = blockIdx.x, i = blockIdx.y;
  WarpAttention w = warp_args(a);
  w.q = a.q + static_cast<size_t>(i) * a.q_stride;
  const float2 o = warp_head_attention<HD, false>(w, h, scores, qs);
  const size_t at = static_cast<size_t>(i) * a.out_stride + h * HD + 2 * threadIdx.x;
  if (a.out_half) {
    *reinterpret_cast<__half2*>(static_cast<__half*>(a.out) + at) = __floats2half2_rn(o.x, o.y);
  } else {
    *reinterpret_cast<float2*>(static_cast<float*>(a.out) + at) = o;
  }
}

// One decode query: attention of head h, then its share of the output projection,
// x[r] += W[r, h·hd : (h+1)·hd] · attn_h (+ bias[r] from head 0), added atomically. A block owns one
// head and ROWS × kThreads / lanes rows (lanes = threads per row, one 16-byte weight load per row);
// its weights are loaded before the PDL wait, so the projection adds no launch and little latency.
// At <= 128 registers a thread (two blocks an SM) the neighbouring kernels' blocks fit beside these, so
// PDL can overlap their weight loads with this kernel.
// MODE (head_dim 64 for 1 and 2): 1 = the head's attention by warp 0 alone (warp_head_attention);
// 2 = by the whole block in few registers (block_head_attention: two blocks an SM); 3 = as 1 in at most
// 128 registers (two blocks an SM, so that a neighbouring GEMV's block fits beside one); 0 =
// head_attention's block-wide version (any head_dim). PRELOAD (AttentionOutArgs::preload): the rows'
// scale and bias loaded before the PDL wait too.
template <bool INT8, int ROWS, int MODE, bool PRELOAD>
__global__ void __launch_bounds__(kThreads, MODE >= 2 ? 2 : 1) attention_out_kernel(AttentionOutArgs a) {
  extern __shared__ float scores[];
  __shared__ __align__(16) AttentionSmem sm;
  constexpr int kElems = INT8 ? 16 : 8;
  const int hd = a.att.head_dim;
  const int lanes = hd / kElems;  // power of two, <= 32 (checked on the host)
  const int rows_per_block = ROWS * (kThreads / lanes);
  const int h = blockIdx.x / a.splits;
  const int row0 = (blockIdx.x % a.splits) * rows_per_block + threadIdx.x / lanes;
  const int lane = threadIdx.x % lanes;
  uint4 wv[ROWS];
#pragma unroll
  for (int r = 0; r < ROWS; ++r) {
    const int row = row0 + r * (kThreads / lanes);
    wv[r] = make_uint4(0, 0, 0, 0);
    if (row < a.n) {
      const char* base =
          static_cast<const char*>(a.w) + (static_cast<size_t>(row) * a.k + h * hd + lane * kElems) * (INT8 ? 1 : 2);
      wv[r] = load_weights(reinterpret_cast<const uint4*>(base));
    }
  }
  float psc[ROWS], pbi[ROWS];  // the rows' scale and bias, preloaded (PRELOAD) like the weights
#pragma unroll
  for (int r = 0; r < ROWS; ++r) {
    const int row = row0 + r * (kThreads / lanes);
    psc[r] = 1.0f;
    pbi[r] = 0.0f;
    if (PRELOAD && lane == 0 && row < a.n) {
      if constexpr (INT8) psc[r] = a.scale[row];
      if (h == 0 && a.bias != nullptr) pbi[r] = a.bias[row];
    }
  }
  pdl_launch_dependents();
  pdl_wait();
  if constexpr (MODE == 1 || MODE == 3) {
    if (threadIdx.x < 32) {
      const float2 o = warp_head_attention<64, false>(warp_args(a.att), h, scores, sm.qs);
      reinterpret_cast<float2*>(sm.out)[threadIdx.x] = o;
    }
    __syncthreads();
  } else if constexpr (MODE == 2) {
    __shared__ __align__(16) float partial[kThreads / 32 * 64];
    block_head_attention<64>(warp_args(a.att), h, scores, sm.qs, partial, sm.out);
  } else {
    head_attention(a.att, h, 0, scores, sm);
  }
  const float* xa = sm.out + lane * kElems;
#pragma unroll
  for (int r = 0; r < ROWS; ++r) {
    float s = INT8 ? dot16_int8(wv[r], xa) : dot8_half(wv[r], xa);
    for (int o = lanes / 2; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
    const int row = row0 + r * (kThreads / lanes);
    if (lane == 0 && row < a.n) {
      if constexpr (PRELOAD) {
        s = s * psc[r] + pbi[r];
      } else {
        if constexpr (INT8) s *= a.scale[row];
        if (h == 0 && a.bias != nullptr) s += a.bias[row];
      }
      atomicAdd(a.x + row, s);
    }
  }
}

}  // namespace

void attention_out(const AttentionOutArgs& a, bool int8, cudaStream_t stream, bool pdl) {
  const int hd = a.att.head_dim;
  const int elems = int8 ? 16 : 8;
  const int lanes = hd / elems;
  if (hd > kMaxHeadDim || hd % elems != 0 || (lanes & (lanes - 1)) != 0 || lanes > 32 || a.att.rows != 1) {
    throw Error(StatusCode::kInvalidArgument, "attention_out: head_dim " + std::to_string(hd) + " not supported");
  }
  // head_dim 64: 128 rows a block (4 per thread fp16, 2 int8), so 8 blocks a head for d = 1024.
  const bool warp = hd == 64 && a.att.warp_per_head;
  const int rows = warp ? (int8 ? 2 : 4) : 1;
  AttentionOutArgs args = a;
  const int per_block = rows * (kThreads / lanes);
  args.splits = (a.n + per_block - 1) / per_block;
  const size_t smem = static_cast<size_t>(a.att.max_len) * sizeof(float);
  const dim3 grid(a.att.heads * args.splits);
  const int mode = warp ? (a.block_attention ? 2 : a.compact ? 3 : 1) : 0;
  auto go = [&](auto kernel) { launch(kernel, grid, dim3(kThreads), smem, stream, pdl, args); };
  with_bool(a.preload, [&](auto preload) {
    constexpr bool kPre = decltype(preload)::value;
    if (int8) {
      if (mode == 3) go(attention_out_kernel<true, 2, 3, kPre>);
      if (mode == 2) go(attention_out_kernel<true, 2, 2, kPre>);
      if (mode == 1) go(attention_out_kernel<true, 2, 1, kPre>);
      if (mode == 0) go(attention_out_kernel<true, 1, 0, kPre>);
    } else {
      if (mode == 3) go(attention_out_kernel<false, 4, 3, kPre>);
      if (mode == 2) go(attention_out_kernel<false, 4, 2, kPre>);
      if (mode == 1) go(attention_out_kernel<false, 4, 1, kPre>);
      if (mode == 0) go(attention_out_kernel<false, 1, 0, kPre>);
    }
  });
}

void attention(const AttentionArgs& a, cudaStream_t stream, bool pdl) {
  if (a.head_dim > kMaxHeadDim || a.head_dim <= 0 || a.head_dim % 4 != 0) {
    throw Error(StatusCode::kInvalidArgument, "attention: head_dim " + std::to_string(a.head_dim) + " not supported");
  }
  const size_t smem = static_cast<size_t>(a.max_len) * sizeof(float);
  if (a.warp_per_head && a.head_dim == 64) {
    launch(attention_rows_warp_kernel<64>, dim3(a.heads, a.rows), dim3(32), smem, stream, pdl, a);
    return;
  }
  launch(attention_kernel, dim3(a.heads, a.rows), dim3(kThreads), smem, stream, pdl, a);
}

}  // namespace stream_tts::nn::cuda
