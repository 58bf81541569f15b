// One decode query's attention for one head, computed by one warp with no block barriers: shared by
// the per-kernel decode attention (attention.cu), the attention fused with its output projection
// (attention.cu) and the persistent decode kernel (decode_persistent.cu). A decode step's attention is
// pure latency, so lane j scores key j (a whole head slice of K per lane, all loads issued at once),
// the softmax runs on shuffles, and lane t accumulates output dims 2t, 2t + 1 with 8 keys' loads in flight.
#pragma once

#include "nn/cuda/device_utils.cuh"

namespace stream_tts::nn::cuda {

struct WarpAttention {
  const float* q = nullptr;       // the head's query is q[h·HD .. (h+1)·HD)
  const float* q_bias = nullptr;  // optional, added before the scale
  float scale = 1.0f;
  const float* k = nullptr;  // key j of head h: k[j·stride + h·HD ..]
  const float* v = nullptr;
  int stride = 0;
  const float* k_bias = nullptr;  // optional
  const float* v_bias = nullptr;  // optional (added to the output: the probabilities sum to one)
  int len = 0;
};

// L2_ONLY: read q, K and V with ld.global.cg (data written earlier in the same launch: the persistent
// kernel); otherwise plain loads. `scores` holds >= len floats, `qs` HD floats (16-byte aligned), both
// private to the warp. Returns the output dims 2·lane, 2·lane + 1 of the head.
template <int HD, bool L2_ONLY>
__device__ __forceinline__ float2 warp_head_attention(const WarpAttention& a, int h, float* scores, float* qs) {
  static_assert(HD == 64, "one float2 of the output per lane");
  auto ld4 = [](const float4* p) { return L2_ONLY ? __ldcg(p) : *p; };
  auto ld2 = [](const float2* p) { return L2_ONLY ? __ldcg(p) : *p; };
  const int lane = threadIdx.x & 31, col = h * HD;
#pragma unroll
  for (int t = lane; t < HD; t += 32) {
    float q = L2_ONLY ? __ldcg(a.q + col + t) : a.q[col + t];
    if (a.q_bias != nullptr) q += a.q_bias[col + t];
    qs[t] = q * a.scale;
  }
  __syncwarp();
  float m = -3.402823466e38f;
  for (int j = lane; j < a.len; j += 32) {
    const float4* kj = reinterpret_cast<const float4*>(a.k + static_cast<size_t>(j) * a.stride + col);
    float4 kv[HD / 4];
#pragma unroll
    for (int t = 0; t < HD / 4; ++t) kv[t] = ld4(kj + t);
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
  for (int j = lane; j < a.len; j += 32) {
    const float e = expf(scores[j] - m);
    scores[j] = e;
    total += e;
  }
  const float inv_total = 1.0f / warp_sum(total);
  __syncwarp();
  const float2* vc = reinterpret_cast<const float2*>(a.v + col) + lane;
  const size_t stride2 = a.stride / 2;
  float2 acc = make_float2(0.0f, 0.0f);
  int j = 0;
  for (; j + 8 <= a.len; j += 8) {
    float2 v[8];
#pragma unroll
    for (int u = 0; u < 8; ++u) v[u] = ld2(vc + (j + u) * stride2);
#pragma unroll
    for (int u = 0; u < 8; ++u) {
      acc.x = fmaf(scores[j + u], v[u].x, acc.x);
      acc.y = fmaf(scores[j + u], v[u].y, acc.y);
    }
  }
  for (; j < a.len; ++j) {
    const float2 v = ld2(vc + j * stride2);
    acc.x = fmaf(scores[j], v.x, acc.x);
    acc.y = fmaf(scores[j], v.y, acc.y);
  }
  float2 o = make_float2(acc.x * inv_total, acc.y * inv_total);
  if (a.v_bias != nullptr) {
    o.x += a.v_bias[col + 2 * lane];
    o.y += a.v_bias[col + 2 * lane + 1];
  }
  return o;
}

// The same attention by a whole block of `warps` warps (the attention fused with its projection, whose
// other warps would otherwise wait), in few registers (so that the neighbouring kernels' blocks fit
// beside it): 8 threads a key score 32 keys a pass, their key loads issued before the query is staged
// (one L2 round trip for both); warp 0 takes the softmax; every warp then takes keys j ≡ warp (mod
// warps) of V with all its loads in flight, and the partial sums meet in shared memory.
// scores >= len floats, qs HD floats (16-byte aligned), partial >= warps·HD floats, out HD floats (all
// shared); ends with a barrier.
template <int HD>
__device__ __forceinline__ void block_head_attention(const WarpAttention& a, int h, float* scores, float* qs,
                                                     float* partial, float* out) {
  static_assert(HD == 64, "8 threads × 8 dims a key; one float2 of the output per lane");
  constexpr int kGroup = 8;
  __shared__ float inv_total_shared;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5, col = h * HD;
  const int sub = threadIdx.x % kGroup, per_pass = blockDim.x / kGroup;
  float4 k0 = make_float4(0.0f, 0.0f, 0.0f, 0.0f), k1 = k0;
  auto load_key = [&](int j) {
    if (j < a.len) {
      const float4* kj = reinterpret_cast<const float4*>(a.k + static_cast<size_t>(j) * a.stride + col) + 2 * sub;
      k0 = kj[0];
      k1 = kj[1];
    }
  };
  load_key(threadIdx.x / kGroup);
  if (threadIdx.x < HD) {
    float q = a.q[col + threadIdx.x];
    if (a.q_bias != nullptr) q += a.q_bias[col + threadIdx.x];
    qs[threadIdx.x] = q * a.scale;
  }
  __syncthreads();
  const float4 q0 = reinterpret_cast<const float4*>(qs)[2 * sub];
  const float4 q1 = reinterpret_cast<const float4*>(qs)[2 * sub + 1];
  float4 b0 = make_float4(0.0f, 0.0f, 0.0f, 0.0f), b1 = b0;
  if (a.k_bias != nullptr) {
    b0 = reinterpret_cast<const float4*>(a.k_bias + col)[2 * sub];
    b1 = reinterpret_cast<const float4*>(a.k_bias + col)[2 * sub + 1];
  }
  for (int j0 = 0; j0 < a.len; j0 += per_pass) {
    const int j = j0 + threadIdx.x / kGroup;
    if (j0 > 0) load_key(j);
    float s = q0.x * (k0.x + b0.x);
    s = fmaf(q0.y, k0.y + b0.y, s);
    s = fmaf(q0.z, k0.z + b0.z, s);
    s = fmaf(q0.w, k0.w + b0.w, s);
    s = fmaf(q1.x, k1.x + b1.x, s);
    s = fmaf(q1.y, k1.y + b1.y, s);
    s = fmaf(q1.z, k1.z + b1.z, s);
    s = fmaf(q1.w, k1.w + b1.w, s);
#pragma unroll
    for (int o = kGroup / 2; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
    if (sub == 0 && j < a.len) scores[j] = s;
  }
  __syncthreads();
  if (warp == 0) {
    float m = -3.402823466e38f;
    for (int j = lane; j < a.len; j += 32) m = fmaxf(m, scores[j]);
    m = warp_max(m);
    float total = 0.0f;
    for (int j = lane; j < a.len; j += 32) {
      const float e = expf(scores[j] - m);
      scores[j] = e;
      total += e;
    }
    total = warp_sum(total);
    if (lane == 0) inv_total_shared = 1.0f / total;
  }
  __syncthreads();
  const float2* vc = reinterpret_cast<const float2*>(a.v + col) + lane;
  const size_t stride2 = a.stride / 2;
  float2 acc = make_float2(0.0f, 0.0f);
  for (int j0 = warp; j0 < a.len; j0 += 4 * warps) {
    float2 v[4];
#pragma unroll
    for (int u = 0; u < 4; ++u) {
      const int j = j0 + u * warps;
      v[u] = j < a.len ? vc[j * stride2] : make_float2(0.0f, 0.0f);
    }
#pragma unroll
    for (int u = 0; u < 4; ++u) {
      const int j = j0 + u * warps;
      const float p = j < a.len ? scores[j] : 0.0f;
      acc.x = fmaf(p, v[u].x, acc.x);
      acc.y = fmaf(p, v[u].y, acc.y);
    }
  }
  reinterpret_cast<float2*>(partial + warp * HD)[lane] = acc;
  __syncthreads();
  if (threadIdx.x < HD) {
    float o = 0.0f;
    for (int w = 0; w < warps; ++w) o += partial[w * HD + threadIdx.x];
    o *= inv_total_shared;
    if (a.v_bias != nullptr) o += a.v_bias[col + threadIdx.x];
    out[threadIdx.x] = o;
  }
  __syncthreads();
}

}  // namespace stream_tts::nn::cuda
