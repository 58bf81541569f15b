// Device-side helpers shared by the kernels: programmatic dependent launch, reductions,
// and the launch helper that sets the PDL attribute.
#pragma once

#include <cooperative_groups.h>

#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <type_traits>
#include <utility>

#include "nn/cuda/check.cuh"
#include "nn/cuda/kernels.cuh"

namespace stream_tts::nn::cuda {

// Lets the next kernel in the stream launch now (it still waits for us in pdl_wait before reading).
__device__ __forceinline__ void pdl_launch_dependents() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
#endif
}

// Waits until the preceding kernel has completed and its writes are visible (no-op without PDL).
__device__ __forceinline__ void pdl_wait() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
}

// Thread-block cluster barrier in two halves (sm_90): every thread of every block of the cluster calls
// arrive, then wait; what a block wrote to its shared memory before arriving is visible to the others
// after their wait. Between the halves a block may do work that needs no other block.
__device__ __forceinline__ void cluster_arrive_release() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("barrier.cluster.arrive.release.aligned;" ::: "memory");
#endif
}

__device__ __forceinline__ void cluster_wait_acquire() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("barrier.cluster.wait.acquire.aligned;" ::: "memory");
#endif
}

// The address of `p` (this block's shared memory) in the shared memory of block `rank` of the cluster.
template <typename T>
__device__ __forceinline__ T* cluster_peer_shared(T* p, unsigned int rank) {
  return cooperative_groups::this_cluster().map_shared_rank(p, rank);
}

// Zero-fills p[0, n) (n a multiple of 4) with float4 stores spread over the whole grid of THREADS-thread
// blocks: a kernel clearing a buffer that a later kernel of the step adds to with atomics (GemvArgs::zero).
// THREADS is a template argument, not blockDim.x, so that the decode kernels' register allocation (which
// limits how far PDL runs ahead: bench/gpu/nmt/NOTES.md) stays what it was with the loop written inline.
template <int THREADS>
__device__ __forceinline__ void grid_zero_fill(float* p, int n) {
  for (int i = (blockIdx.x * THREADS + threadIdx.x) * 4; i < n; i += gridDim.x * THREADS * 4) {
    *reinterpret_cast<float4*>(p + i) = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
  }
}

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

// Sum over the block; every thread gets the result. `scratch` holds >= 32 floats.
__device__ __forceinline__ float block_sum(float v, float* scratch) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
  v = warp_sum(v);
  __syncthreads();  // scratch may still be read by a previous call
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  v = lane < warps ? scratch[lane] : 0.0f;
  return warp_sum(v);
}

// Max over the block; every thread gets the result. `scratch` holds >= 32 floats.
__device__ __forceinline__ float block_max(float v, float* scratch) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
  v = warp_max(v);
  __syncthreads();
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  v = lane < warps ? scratch[lane] : -3.402823466e38f;
  return warp_max(v);
}

// Two sums at once (one pair of barriers). `scratch` holds >= 64 floats.
__device__ __forceinline__ float2 block_sum2(float a, float b, float* scratch) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
  a = warp_sum(a);
  b = warp_sum(b);
  __syncthreads();
  if (lane == 0) {
    scratch[warp] = a;
    scratch[32 + warp] = b;
  }
  __syncthreads();
  a = lane < warps ? scratch[lane] : 0.0f;
  b = lane < warps ? scratch[32 + lane] : 0.0f;
  return make_float2(warp_sum(a), warp_sum(b));
}

__device__ __forceinline__ float apply_act(float v, Act act) {
  switch (act) {
    case Act::kNone: return v;
    case Act::kRelu: return v > 0.0f ? v : 0.0f;
    case Act::kGelu: return 0.5f * v * (1.0f + erff(v * 0.70710678118654752f));
    case Act::kGeluTanh: return 0.5f * v * (1.0f + tanhf(0.7978845608028654f * (v + 0.044715f * v * v * v)));
    case Act::kSilu: return v / (1.0f + expf(-v));
  }
  return v;
}

// Element i of row p of transformers' M2M100SinusoidalPositionalEmbedding table ([sin | cos] halves, in
// float as torch computes it); the pad row is all zeros. Shared by embed() and the LM head's next-token
// embedding so that both give the same bits.
__device__ __forceinline__ float m2m100_position(int p, int pad, int i, int d) {
  const int half = d / 2;
  if (p == pad || i >= 2 * half) return 0.0f;
  const float step = static_cast<float>(log(10000.0) / (half - 1));
  const int f = i < half ? i : i - half;
  const float angle = static_cast<float>(p) * expf(static_cast<float>(f) * -step);
  return i < half ? sinf(angle) : cosf(angle);
}

// Shared-memory carveout (percent, cudaLaunchAttributePreferredSharedMemoryCarveout) given to every
// launch() while set >= 0 (set_launch_carveout, kernels.cuh): kernels whose driver-chosen L1/shared
// splits differ cannot share an SM until it drains, which defeats PDL's overlap (measured: no gain,
// bench/gpu/nmt/NOTES.md). Host-side, per thread (the runner sets it around a graph capture).
inline thread_local int g_launch_carveout = -1;

// Calls f(std::true_type{}) or f(std::false_type{}): a runtime option turned into a template argument
// at the launch site, so that each kernel instantiation compiles only its own path. Tested inside a
// kernel, the option keeps both paths' registers alive in one binary (preload_constants as a runtime
// flag: int8 FFN 225 -> 239 registers; bench/gpu/nmt/NOTES.md).
template <typename F>
void with_bool(bool on, F&& f) {
  if (on) {
    f(std::true_type{});
  } else {
    f(std::false_type{});
  }
}

// Launches `kernel` on `stream` in thread-block clusters of `cluster` consecutive blocks along x (> 1;
// grid.x a multiple of it), with programmatic stream serialization when `pdl`.
template <typename... KernelArgs, typename... Args>
void launch_in_clusters(unsigned int cluster, void (*kernel)(KernelArgs...), dim3 grid, dim3 block, size_t smem,
                        cudaStream_t stream, bool pdl, Args&&... args) {
  cudaLaunchConfig_t config = {};
  config.gridDim = grid;
  config.blockDim = block;
  config.dynamicSmemBytes = smem;
  config.stream = stream;
  cudaLaunchAttribute attribute[3];
  unsigned int n = 0;
  if (cluster > 1) {
    attribute[n].id = cudaLaunchAttributeClusterDimension;
    attribute[n].val.clusterDim.x = cluster;
    attribute[n].val.clusterDim.y = 1;
    attribute[n++].val.clusterDim.z = 1;
  }
  if (pdl) {
    attribute[n].id = cudaLaunchAttributeProgrammaticStreamSerialization;
    attribute[n++].val.programmaticStreamSerializationAllowed = 1;
  }
  if (g_launch_carveout >= 0) {
    attribute[n].id = cudaLaunchAttributePreferredSharedMemoryCarveout;
    attribute[n++].val.sharedMemCarveout = static_cast<unsigned int>(g_launch_carveout);
  }
  config.attrs = attribute;
  config.numAttrs = n;
  ST_CUDA_CHECK(cudaLaunchKernelEx(&config, kernel, std::forward<Args>(args)...));
}

// Launches `kernel` on `stream`, with programmatic stream serialization when `pdl`.
template <typename... KernelArgs, typename... Args>
void launch(void (*kernel)(KernelArgs...), dim3 grid, dim3 block, size_t smem, cudaStream_t stream, bool pdl,
            Args&&... args) {
  launch_in_clusters(1, kernel, grid, block, smem, stream, pdl, std::forward<Args>(args)...);
}

}  // namespace stream_tts::nn::cuda
