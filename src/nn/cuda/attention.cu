// Attention for short sequences (tens of tokens): one block per (head, query row). Scores live in
// shared memory; sums in fp32. Used for decode steps (one query over the KV cache or the encoder
// output) and for the encoder's self-attention (rows = source length).
#include <cfloat>

#include "nn/cuda/device_utils.cuh"

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

// One decode query, one warp per head, no block barriers (a decode step's attention is pure latency:
// 24 per step). Lane j scores key j (a whole head slice of K per lane, all loads issued at once);
// softmax with shuffles; lane t accumulates output dims 2t, 2t + 1 with 8 keys' loads in flight.
template <int HD>
__global__ void __launch_bounds__(32) attention_decode_kernel(AttentionArgs a) {
  extern __shared__ float scores[];
  __shared__ __align__(16) float qs[HD];
  pdl_launch_dependents();
  pdl_wait();
  const int h = blockIdx.x, lane = threadIdx.x, col = h * HD;
  const int len = a.len_ptr != nullptr ? *a.len_ptr + a.len_add : a.len_add;
#pragma unroll
  for (int t = lane; t < HD; t += 32) {
    float q = a.q[col + t];
    if (a.q_bias != nullptr) q += a.q_bias[col + t];
    qs[t] = q * a.scale;
  }
  __syncwarp();
  float m = -3.402823466e38f;
  for (int j = lane; j < len; j += 32) {
    const float4* kj = reinterpret_cast<const float4*>(a.k + static_cast<size_t>(j) * a.kv_stride + col);
    float4 kv[HD / 4];
#pragma unroll
    for (int t = 0; t < HD / 4; ++t) kv[t] = kj[t];
    if (a.k_bias != nullptr) {
      const float4* kb = reinterpret_cast<const float4*>(a.k_bias + col);
#pragma unroll
      for (int t = 0; t < HD / 4; ++t) {
        const float4 b = kb[t];
        kv[t].x += b.x;
        kv[t].y += b.y;
        kv[t].z += b.z;
        kv[t].w += b.w;
      }
    }
    const float4* q4 = reinterpret_cast<const float4*>(qs);
    float s = 0.0f;
#pragma unroll
    for (int t = 0; t < HD / 4; ++t) {
      const float4 q = q4[t];
      s = fmaf(q.x, kv[t].x, fmaf(q.y, kv[t].y, fmaf(q.z, kv[t].z, fmaf(q.w, kv[t].w, s))));
    }
    scores[j] = s;
    m = fmaxf(m, s);
  }
  m = warp_max(m);
  float total = 0.0f;
  for (int j = lane; j < len; j += 32) {
    const float e = expf(scores[j] - m);
    scores[j] = e;
    total += e;
  }
  const float inv_total = 1.0f / warp_sum(total);
  __syncwarp();
  static_assert(HD == 64, "one float2 per lane");
  const float2* vc = reinterpret_cast<const float2*>(a.v + col) + lane;
  const size_t stride2 = a.kv_stride / 2;
  float2 acc = make_float2(0.0f, 0.0f);
  int j = 0;
  for (; j + 8 <= len; j += 8) {
    float2 v[8];
#pragma unroll
    for (int u = 0; u < 8; ++u) v[u] = vc[(j + u) * stride2];
#pragma unroll
    for (int u = 0; u < 8; ++u) {
      acc.x = fmaf(scores[j + u], v[u].x, acc.x);
      acc.y = fmaf(scores[j + u], v[u].y, acc.y);
    }
  }
  for (; j < len; ++j) {
    const float2 v = vc[j * stride2];
    acc.x = fmaf(scores[j], v.x, acc.x);
    acc.y = fmaf(scores[j], v.y, acc.y);
  }
  float2 o = make_float2(acc.x * inv_total, acc.y * inv_total);
  if (a.v_bias != nullptr) {
    o.x += a.v_bias[col + 2 * lane];
    o.y += a.v_bias[col + 2 * lane + 1];
  }
  reinterpret_cast<float2*>(static_cast<float*>(a.out) + col)[lane] = o;
}

// One decode query: attention of head h, then its share of the output projection,
// x[r] += W[r, h·hd : (h+1)·hd] · attn_h (+ bias[r] from head 0), added atomically. A block owns one
// head and kThreads / lanes rows (lanes = threads per row, one 16-byte weight load each); its weights
// are loaded before the PDL wait, so the projection costs no extra launch and no extra latency.
template <bool INT8>
__global__ void __launch_bounds__(kThreads) attention_out_kernel(AttentionOutArgs a) {
  extern __shared__ float scores[];
  __shared__ __align__(16) AttentionSmem sm;
  constexpr int kElems = INT8 ? 16 : 8;
  const int hd = a.att.head_dim;
  const int lanes = hd / kElems;  // power of two, <= 32 (checked on the host)
  const int rows_per_block = kThreads / lanes;
  const int h = blockIdx.x / a.splits;
  const int row = (blockIdx.x % a.splits) * rows_per_block + threadIdx.x / lanes;
  const int lane = threadIdx.x % lanes;
  uint4 wv = make_uint4(0, 0, 0, 0);
  const size_t row_elems = static_cast<size_t>(a.k);
  if (row < a.n) {
    const char* base = static_cast<const char*>(a.w) + (row * row_elems + h * hd + lane * kElems) * (INT8 ? 1 : 2);
    wv = *reinterpret_cast<const uint4*>(base);
  }
  pdl_launch_dependents();
  pdl_wait();
  head_attention(a.att, h, 0, scores, sm);
  const float* xa = sm.out + lane * kElems;
  float s = 0.0f;
  if constexpr (INT8) {
    auto dot4 = [&](unsigned int word, const float* xv) {
      const unsigned int u = word ^ 0x80808080u;  // int8 b -> b + 128; float(2^23 + byte) - (2^23 + 128) = b
      s = fmaf(__uint_as_float(__byte_perm(u, 0x4B000000u, 0x7540)) - 8388736.0f, xv[0], s);
      s = fmaf(__uint_as_float(__byte_perm(u, 0x4B000000u, 0x7541)) - 8388736.0f, xv[1], s);
      s = fmaf(__uint_as_float(__byte_perm(u, 0x4B000000u, 0x7542)) - 8388736.0f, xv[2], s);
      s = fmaf(__uint_as_float(__byte_perm(u, 0x4B000000u, 0x7543)) - 8388736.0f, xv[3], s);
    };
    dot4(wv.x, xa);
    dot4(wv.y, xa + 4);
    dot4(wv.z, xa + 8);
    dot4(wv.w, xa + 12);
  } else {
    const __half2* hw = reinterpret_cast<const __half2*>(&wv);
#pragma unroll
    for (int e = 0; e < 4; ++e) {
      const float2 f = __half22float2(hw[e]);
      s = fmaf(f.x, xa[2 * e], s);
      s = fmaf(f.y, xa[2 * e + 1], s);
    }
  }
  for (int o = lanes / 2; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
  if (lane == 0 && row < a.n) {
    if constexpr (INT8) s *= a.scale[row];
    if (h == 0 && a.bias != nullptr) s += a.bias[row];
    atomicAdd(a.x + row, s);
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
  AttentionOutArgs args = a;
  args.splits = (a.n + kThreads / lanes - 1) / (kThreads / lanes);
  const size_t smem = static_cast<size_t>(a.att.max_len) * sizeof(float);
  const dim3 grid(a.att.heads * args.splits);
  if (int8) {
    launch(attention_out_kernel<true>, grid, dim3(kThreads), smem, stream, pdl, args);
  } else {
    launch(attention_out_kernel<false>, grid, dim3(kThreads), smem, stream, pdl, args);
  }
}

void attention(const AttentionArgs& a, cudaStream_t stream, bool pdl) {
  if (a.head_dim > kMaxHeadDim || a.head_dim <= 0 || a.head_dim % 4 != 0) {
    throw Error(StatusCode::kInvalidArgument, "attention: head_dim " + std::to_string(a.head_dim) + " not supported");
  }
  const size_t smem = static_cast<size_t>(a.max_len) * sizeof(float);
  if (a.warp_per_head && a.rows == 1 && !a.out_half && a.head_dim == 64) {
    launch(attention_decode_kernel<64>, dim3(a.heads), dim3(32), smem, stream, pdl, a);
    return;
  }
  launch(attention_kernel, dim3(a.heads, a.rows), dim3(kThreads), smem, stream, pdl, a);
}

}  // namespace stream_tts::nn::cuda
