// Inner pieces of the batch-1 GEMVs, shared by the per-kernel GEMVs (gemv.cu) and the persistent decode
// kernel (decode_persistent.cu): 16-byte weight loads that skip L1, dot products of 8 fp16 or 16 int8
// weights with fp32 inputs, and the float -> ordered-unsigned key of the greedy argmax.
#pragma once

#include "nn/cuda/device_utils.cuh"

namespace stream_tts::nn::cuda {

// Where input i sits in shared memory: 4 floats of padding after each weight chunk's inputs (16 for
// int8, 8 for fp16), so that the 8 lanes of a quarter warp, which read consecutive chunks with 16-byte
// loads, hit distinct banks. Unpadded, int8's 64-byte lane stride was a 4-way bank conflict (fp16's
// 32 bytes 2-way) on the chain after the PDL wait, where the in-graph timeline showed int8's GEMVs
// 0.5 µs slower than fp16's (NOTES.md, 2026-11-27f). xs_at(k): the floats a vector of k takes (k a
// multiple of 4, as gemv.cu's load_input reads it). The folded cross-attention (cross_folded.cu) keeps
// its x in the fp16 layout: its lanes read 8 values at 8·lane.
template <bool INT8>
__host__ __device__ constexpr int xs_at(int i) {
  return i + i / (INT8 ? 16 : 8) * 4;
}

__device__ __forceinline__ uint4 load_weights(const uint4* p) {
  uint4 v;
  asm volatile("ld.global.nc.L1::no_allocate.v4.u32 {%0, %1, %2, %3}, [%4];"
               : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
               : "l"(p));
  return v;
}

__device__ __forceinline__ float dot8_half(const uint4& w, const float* x) {
  const float4 x0 = *reinterpret_cast<const float4*>(x);
  const float4 x1 = *reinterpret_cast<const float4*>(x + 4);
  const float2 w0 = __half22float2(*reinterpret_cast<const __half2*>(&w.x));
  const float2 w1 = __half22float2(*reinterpret_cast<const __half2*>(&w.y));
  const float2 w2 = __half22float2(*reinterpret_cast<const __half2*>(&w.z));
  const float2 w3 = __half22float2(*reinterpret_cast<const __half2*>(&w.w));
  float s = w0.x * x0.x;
  s = fmaf(w0.y, x0.y, s);
  s = fmaf(w1.x, x0.z, s);
  s = fmaf(w1.y, x0.w, s);
  s = fmaf(w2.x, x1.x, s);
  s = fmaf(w2.y, x1.y, s);
  s = fmaf(w3.x, x1.z, s);
  s = fmaf(w3.y, x1.w, s);
  return s;
}

__device__ __forceinline__ float dot4_int8(unsigned int word, const float4& x) {
  constexpr float kBias = 8388736.0f;  // 2^23 + 128
  const unsigned int u = word ^ 0x80808080u;  // int8 b -> unsigned b + 128
  const float a0 = __uint_as_float(__byte_perm(u, 0x4B000000u, 0x7540)) - kBias;
  const float a1 = __uint_as_float(__byte_perm(u, 0x4B000000u, 0x7541)) - kBias;
  const float a2 = __uint_as_float(__byte_perm(u, 0x4B000000u, 0x7542)) - kBias;
  const float a3 = __uint_as_float(__byte_perm(u, 0x4B000000u, 0x7543)) - kBias;
  float s = a0 * x.x;
  s = fmaf(a1, x.y, s);
  s = fmaf(a2, x.z, s);
  s = fmaf(a3, x.w, s);
  return s;
}

__device__ __forceinline__ float dot16_int8(const uint4& w, const float* x) {
  const float4* xv = reinterpret_cast<const float4*>(x);
  return dot4_int8(w.x, xv[0]) + dot4_int8(w.y, xv[1]) + dot4_int8(w.z, xv[2]) + dot4_int8(w.w, xv[3]);
}

// 16 bytes global -> shared through the async copy unit (no registers), completed by cp_async_wait_all.
__device__ __forceinline__ void cp_async16(void* smem, const void* gmem) {
  const unsigned int s = static_cast<unsigned int>(__cvta_generic_to_shared(smem));
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16;" ::"r"(s), "l"(gmem) : "memory");
}

__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;" ::: "memory"); }

// This thread's copies have landed (a block barrier must follow before others read them).
__device__ __forceinline__ void cp_async_wait_all() { asm volatile("cp.async.wait_group 0;" ::: "memory"); }

// The 8 fp16 or 16 int8 weights of a 16-byte load as floats (int8: the exact integers, unscaled).
__device__ __forceinline__ void unpack8_half(const uint4& w, float (&out)[8]) {
  const __half2* h = reinterpret_cast<const __half2*>(&w);
#pragma unroll
  for (int e = 0; e < 4; ++e) {
    const float2 f = __half22float2(h[e]);
    out[2 * e] = f.x;
    out[2 * e + 1] = f.y;
  }
}

__device__ __forceinline__ void unpack16_int8(const uint4& w, float (&out)[16]) {
  constexpr float kBias = 8388736.0f;  // 2^23 + 128, as dot4_int8
  const unsigned int words[4] = {w.x ^ 0x80808080u, w.y ^ 0x80808080u, w.z ^ 0x80808080u, w.w ^ 0x80808080u};
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    out[4 * i] = __uint_as_float(__byte_perm(words[i], 0x4B000000u, 0x7540)) - kBias;
    out[4 * i + 1] = __uint_as_float(__byte_perm(words[i], 0x4B000000u, 0x7541)) - kBias;
    out[4 * i + 2] = __uint_as_float(__byte_perm(words[i], 0x4B000000u, 0x7542)) - kBias;
    out[4 * i + 3] = __uint_as_float(__byte_perm(words[i], 0x4B000000u, 0x7543)) - kBias;
  }
}

// Float -> unsigned with the same order (larger float, larger key).
__device__ __forceinline__ unsigned int ordered(float v) {
  const unsigned int u = __float_as_uint(v);
  return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

}  // namespace stream_tts::nn::cuda
