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

}  // namespace stream_tts::nn::cuda
