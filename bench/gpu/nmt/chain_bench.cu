// What one link of a decode step's chain costs when it does (almost) nothing: the floor under the
// fused decode kernels' tails (bench/gpu/nmt/NOTES.md, "The floor of a link"). A decode step is ~60
// dependent pieces of work; each is a kernel in a PDL-chained CUDA graph, or a phase between grid
// barriers in the persistent kernel. This program times chains of N identical links of these bodies,
// each chained (up to) four ways:
//   bodies  empty  read a counter the previous link wrote, block 0 writes it back + 1
//           norm   every block reads the previous link's 1024-float vector from L2 and reduces its sum
//                  and sum of squares (a LayerNorm's statistics), then writes its slice of the next one
//           atom   norm, then every thread adds a float4 to one shared 1024-float sum (the fused
//                  FFN's 32 K atomics a link: 128 onto each float4); atom/K: block b adds into copy b % K
//                  of the sum (K copies, 128 / K atomics an address), which the next link reads whole
//           rows   norm, then 128 threads a block add one float each to 128 consecutive rows of the sum,
//                  block b rows (b % 8) · 128: 16 K scalar atomics, 16 onto each float (attention_out's
//                  pattern: 16 heads × 8 splits of 128 output rows)
//           dsm    atom's sums reduced first inside each cluster of 8 blocks through distributed shared
//                  memory, then block r of a cluster adds its eighth (16 atomics an address, 4 K a link);
//                  cluster chain only. ffn-dsm: the same with ffn's weights
//           pad/S  atom with the sum's float4s S float4s apart (S = 2: one a 32-byte sector, 8: one a
//                  128-byte line), spreading the 32 K atomics over S times the L2 lines; ffn-pad/S the
//                  same with ffn's weights
//           ffn    atom, with 64 KB of weights a block (8 MB a link, the FFN's int8 bytes) loaded into
//                  registers before the link's dependency wait and folded into the result
//   chains  graph      kernels captured in a graph, stream-ordered (each starts when the previous ends)
//           pdl        the same with programmatic dependent launch (blocks start early and wait)
//           cluster    pdl, launched in clusters of 8 blocks (the cross-attention variant 262144)
//           barrier    one cooperative kernel, links separated by cooperative_groups grid.sync(); the
//                      ffn body loads the next link's weights before the barrier (register prefetch)
// Then a GEMV's steps after its wait added one at a time (steps-0..3, gemv_steps_kernel), and the real
// decode GEMV (gemv.cu, as the cross-Q GEMV: LayerNorm'd 1024 → 1024, int8 and fp16, weights cycling
// through 96 matrices so that they come from HBM) chained to itself: what its work after the wait adds
// to the norm body's floor.
// 128 blocks of 256 threads (one an SM), N = 480 links (a sentence's 32 steps × 15), median of 20
// launches. Output: one line per body × chain, µs a link.
//   nmt_chain_bench [--links N] [--reps R]
#include <cooperative_groups.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "nn/cuda/device_utils.cuh"
#include "nn/cuda/gemv_math.cuh"

namespace {
using namespace stream_tts::nn::cuda;
namespace cg = cooperative_groups;

constexpr int kThreads = 256;
constexpr int kBlocks = 128;
constexpr int kD = 1024;
constexpr int kWeightLoads = 16;  // uint4 a thread: 64 KB a block, 8 MB a link
constexpr int kWeightSlices = 24;  // 192 MB of weights in turn, more than L2 holds
constexpr int kMaxCopies = 16;
constexpr int kWarpsPerBlock = kThreads / 32;  // gemv_steps: a row a warp, kBlocks × 8 = kD rows

enum Body { kEmpty = 0, kNorm = 1, kAtom = 2, kFfn = 3, kRows = 4, kDsm = 5, kFfnDsm = 6, kPad = 7, kFfnPad = 8 };
const char* const kBodyNames[] = {"empty", "norm", "atom", "ffn", "rows", "dsm", "ffn-dsm", "pad", "ffn-pad"};
__host__ __device__ constexpr bool has_weights(int body) { return body == kFfn || body == kFfnDsm || body == kFfnPad; }

struct Chain {
  unsigned int* counter;
  float* x[2];      // link i reads x[i % 2] (+ sums), writes x[(i + 1) % 2]
  float* sums[3];   // atom/ffn: link i reads sums[i % 3], adds into sums[(i + 1) % 3], zero-fills sums[(i + 2) % 3]
                    // (each kMaxCopies × 1024 floats: the copies of atom/K)
  const uint4* w;   // [kWeightSlices][kBlocks][kWeightLoads][kThreads]
  float* sink;      // keeps the weights' fold alive
};

// Through gemv_math.cuh's load_weights (volatile asm), as the decode kernels: a plain __ldg may be sunk
// past the dependency wait to its first use, which would take the load off the overlap being measured.
__device__ __forceinline__ void load_link_weights(const Chain& c, int link, uint4 (&wv)[kWeightLoads]) {
  const uint4* w = c.w + (static_cast<size_t>(link % kWeightSlices) * kBlocks + blockIdx.x) * kWeightLoads * kThreads;
#pragma unroll
  for (int i = 0; i < kWeightLoads; ++i) wv[i] = load_weights(w + i * kThreads + threadIdx.x);
}

// One link's work after its dependency: what each body does (see the file comment).
template <int BODY, int COPIES>
__device__ __forceinline__ void link_body(const Chain& c, int link, const uint4 (&wv)[kWeightLoads], float* scratch) {
  if constexpr (BODY == kEmpty) {
    if (threadIdx.x == 0) {
      const unsigned int v = __ldcg(c.counter);
      if (blockIdx.x == 0) __stcg(c.counter, v + 1);
    }
    return;
  } else {
    const float* x = c.x[link % 2];
    float* x_next = c.x[(link + 1) % 2];
    float4 v = __ldcg(reinterpret_cast<const float4*>(x) + threadIdx.x);
    if constexpr (BODY != kNorm) {
      constexpr bool kPadded = BODY == kPad || BODY == kFfnPad;
      constexpr int kReads = kPadded ? 1 : COPIES;
#pragma unroll
      for (int k = 0; k < kReads; ++k) {
        const int at = kPadded ? threadIdx.x * COPIES : k * kD / 4 + threadIdx.x;
        const float4 s = __ldcg(reinterpret_cast<const float4*>(c.sums[link % 3]) + at);
        v.x += s.x;
        v.y += s.y;
        v.z += s.z;
        v.w += s.w;
      }
    }
    float fold = 0.0f;
    if constexpr (has_weights(BODY)) {
#pragma unroll
      for (int i = 0; i < kWeightLoads; ++i) fold += __uint_as_float((wv[i].x ^ wv[i].y ^ wv[i].z ^ wv[i].w) & 0x3f800000u);
    }
    const float2 t = block_sum2((v.x + v.y) + (v.z + v.w), v.x * v.x + v.y * v.y + v.z * v.z + v.w * v.w, scratch);
    const float r = t.x * 1e-3f + t.y * 1e-6f + fold * 1e-9f;
    if (threadIdx.x < kD / kBlocks) x_next[blockIdx.x * (kD / kBlocks) + threadIdx.x] = 0.5f * __ldcg(x + blockIdx.x) + r;
    if constexpr (BODY == kDsm || BODY == kFfnDsm) {
      __shared__ float4 red[kThreads];
      red[threadIdx.x] = make_float4(r, r, r, r);
      cluster_arrive_release();
      cluster_wait_acquire();
      const unsigned int rank = blockIdx.x % 8;
      if (threadIdx.x < kThreads / 8) {
        const int j = rank * (kThreads / 8) + threadIdx.x;
        float4 sum = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
#pragma unroll
        for (unsigned int p = 0; p < 8; ++p) {
          const float4 t = cluster_peer_shared(red, p)[j];
          sum.x += t.x;
          sum.y += t.y;
          sum.z += t.z;
          sum.w += t.w;
        }
        atomicAdd(reinterpret_cast<float4*>(c.sums[(link + 1) % 3]) + j, sum);
      }
      cluster_arrive_release();
    }
    if constexpr (BODY == kRows) {
      if (threadIdx.x < 128) atomicAdd(c.sums[(link + 1) % 3] + (blockIdx.x % 8) * 128 + threadIdx.x, r);
    }
    if constexpr (BODY != kNorm) {
      if constexpr (BODY == kAtom || BODY == kFfn) {
        atomicAdd(reinterpret_cast<float4*>(c.sums[(link + 1) % 3] + (blockIdx.x % COPIES) * kD) + threadIdx.x,
                  make_float4(r, r, r, r));
      }
      if constexpr (BODY == kPad || BODY == kFfnPad) {
        atomicAdd(reinterpret_cast<float4*>(c.sums[(link + 1) % 3]) + threadIdx.x * COPIES, make_float4(r, r, r, r));
      }
      // sums[(link + 2) % 3] was read by the previous link (finished) and is added into by the next
      // one (not started): each block zero-fills its slice of it.
      constexpr int kSlice = COPIES * kD / 4 / kBlocks;  // float4s a block zero-fills
      if (threadIdx.x < kSlice) {
        reinterpret_cast<float4*>(c.sums[(link + 2) % 3])[blockIdx.x * kSlice + threadIdx.x] =
            make_float4(0.0f, 0.0f, 0.0f, 0.0f);
      }
    }
    if (fold == 12345.0f) *c.sink = fold;
  }
}

template <int BODY, int COPIES>
__global__ void __launch_bounds__(kThreads, 1) link_kernel(Chain c, int link) {
  __shared__ float scratch[64];
  uint4 wv[kWeightLoads];
  if constexpr (has_weights(BODY)) load_link_weights(c, link, wv);
  pdl_launch_dependents();
  pdl_wait();
  link_body<BODY, COPIES>(c, link, wv, scratch);
  if constexpr (BODY == kDsm || BODY == kFfnDsm) cluster_wait_acquire();  // the others have read `red`
}

template <int BODY, int COPIES>
__global__ void __launch_bounds__(kThreads, 1) persistent_kernel(Chain c, int links) {
  __shared__ float scratch[64];
  uint4 wv[kWeightLoads];
  cg::grid_group grid = cg::this_grid();
  if constexpr (has_weights(BODY)) load_link_weights(c, 0, wv);
  for (int link = 0; link < links; ++link) {
    grid.sync();
    uint4 cur[kWeightLoads];
#pragma unroll
    for (int i = 0; i < kWeightLoads; ++i) cur[i] = wv[i];
    if constexpr (has_weights(BODY)) load_link_weights(c, link + 1, wv);  // in flight across the work and the barrier
    link_body<BODY, COPIES>(c, link, cur, scratch);
  }
}

struct Timer {
  cudaEvent_t a, b;
  Timer() {
    ST_CUDA_CHECK(cudaEventCreate(&a));
    ST_CUDA_CHECK(cudaEventCreate(&b));
  }
  ~Timer() {
    cudaEventDestroy(a);
    cudaEventDestroy(b);
  }
};

template <typename F>
double median_us(cudaStream_t s, int reps, F&& run) {
  Timer t;
  run();  // warm-up
  ST_CUDA_CHECK(cudaStreamSynchronize(s));
  std::vector<double> us;
  for (int r = 0; r < reps; ++r) {
    ST_CUDA_CHECK(cudaEventRecord(t.a, s));
    run();
    ST_CUDA_CHECK(cudaEventRecord(t.b, s));
    ST_CUDA_CHECK(cudaEventSynchronize(t.b));
    float ms = 0.0f;
    ST_CUDA_CHECK(cudaEventElapsedTime(&ms, t.a, t.b));
    us.push_back(ms * 1000.0);
  }
  std::sort(us.begin(), us.end());
  return us[us.size() / 2];
}

void print_link(const std::string& body, const char* chain, double us, int links) {
  std::printf("%-8s %-8s %7.2f us a link (%d links, %.1f us)\n", body.c_str(), chain, us / links, links, us);
}

// Captures record(i) for links i = 0.. into one graph and prints the median time of its launches a link.
template <typename Record>
void time_graph(cudaStream_t s, int links, int reps, const std::string& body, const char* chain, Record&& record) {
  cudaGraph_t graph;
  ST_CUDA_CHECK(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal));
  for (int i = 0; i < links; ++i) record(i);
  ST_CUDA_CHECK(cudaStreamEndCapture(s, &graph));
  cudaGraphExec_t exec;
  ST_CUDA_CHECK(cudaGraphInstantiate(&exec, graph, 0));
  print_link(body, chain, median_us(s, reps, [&] { ST_CUDA_CHECK(cudaGraphLaunch(exec, s)); }), links);
  ST_CUDA_CHECK(cudaGraphExecDestroy(exec));
  ST_CUDA_CHECK(cudaGraphDestroy(graph));
}

template <int BODY, int COPIES = 1>
void run_body(const Chain& c, cudaStream_t s, int links, int reps) {
  const std::string body = std::string(kBodyNames[BODY]) + (COPIES > 1 ? "/" + std::to_string(COPIES) : "");
  enum { kGraph, kPdl, kCluster };
  const char* const names[] = {"graph", "pdl", "cluster"};
  constexpr bool kClusterOnly = BODY == kDsm || BODY == kFfnDsm;
  for (int chain : {kGraph, kPdl, kCluster}) {
    if (kClusterOnly && chain != kCluster) continue;
    time_graph(s, links, reps, body, names[chain], [&](int i) {
      launch_in_clusters(chain == kCluster ? 8u : 1u, link_kernel<BODY, COPIES>, dim3(kBlocks), dim3(kThreads), 0, s,
                         chain != kGraph, c, i);
    });
  }
  if constexpr (!kClusterOnly) {  // a cluster body needs a cluster launch
    Chain cc = c;
    int n = links;
    void* args[] = {&cc, &n};
    const double us = median_us(s, reps, [&] {
      ST_CUDA_CHECK(cudaLaunchCooperativeKernel(reinterpret_cast<void*>(persistent_kernel<BODY, COPIES>), dim3(kBlocks),
                                                dim3(kThreads), args, 0, s));
    });
    print_link(body, "barrier", us, links);
  }
}

// The GEMV's steps after the wait added one at a time (STAGE), each link with its 1 MB of int8 weights
// (8 rows a block, a row a warp, 2 × 16 bytes a lane) loaded before the wait from one of 96 matrices:
//   0  the norm body's statistics and slice store        2  + each warp's row dotted with it, warp sum
//   1  + the normalised input into shared memory, barrier 3  + the rows stored by lane 0 (not the slice)
template <int STAGE>
__global__ void __launch_bounds__(kThreads) gemv_steps_kernel(Chain c, const uint4* w, int link) {
  __shared__ float scratch[64];
  __shared__ __align__(16) float xs[kD + kD / 4];  // padded: a float4 after every 16 floats (gemv.cu's xs_at)
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int row = blockIdx.x * kWarpsPerBlock + warp;
  const uint4* wr = w + (static_cast<size_t>(link % 96) * kD + row) * (kD / 16);
  const uint4 w0 = load_weights(wr + lane), w1 = load_weights(wr + 32 + lane);
  pdl_launch_dependents();
  pdl_wait();
  const float* x = c.x[link % 2];
  float* x_next = c.x[(link + 1) % 2];
  const float4 v = __ldcg(reinterpret_cast<const float4*>(x) + threadIdx.x);
  const float2 t = block_sum2((v.x + v.y) + (v.z + v.w), v.x * v.x + v.y * v.y + v.z * v.z + v.w * v.w, scratch);
  const float mean = t.x / kD, rstd = rsqrtf(fmaxf(t.y / kD - mean * mean, 0.0f) + 1e-5f);
  if constexpr (STAGE == 0) {
    if (threadIdx.x < kD / kBlocks) x_next[blockIdx.x * (kD / kBlocks) + threadIdx.x] = mean + rstd;
    return;
  } else {
    reinterpret_cast<float4*>(xs)[threadIdx.x + threadIdx.x / 4] =
        make_float4((v.x - mean) * rstd, (v.y - mean) * rstd, (v.z - mean) * rstd, (v.w - mean) * rstd);
    __syncthreads();
    float acc = 0.0f;
    if constexpr (STAGE >= 2) {
      const uint4 ws[2] = {w0, w1};
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const float4* xv = reinterpret_cast<const float4*>(xs) + (h * 32 + lane) * 5;
        const unsigned int u[4] = {ws[h].x, ws[h].y, ws[h].z, ws[h].w};
#pragma unroll
        for (int q = 0; q < 4; ++q) {
          const float4 xq = xv[q];
          const float xe[4] = {xq.x, xq.y, xq.z, xq.w};
#pragma unroll
          for (int b = 0; b < 4; ++b) acc = fmaf(static_cast<float>(static_cast<signed char>(u[q] >> (8 * b))), xe[b], acc);
        }
      }
      acc = warp_sum(acc);
    }
    if constexpr (STAGE == 3) {
      if (lane == 0) x_next[row] = acc;
    } else {
      if (threadIdx.x < kD / kBlocks) x_next[blockIdx.x * (kD / kBlocks) + threadIdx.x] = xs[threadIdx.x + threadIdx.x / 16 * 4] + acc;
    }
  }
}

template <int STAGE>
void run_gemv_steps(const Chain& c, const uint4* w, cudaStream_t s, int links, int reps) {
  time_graph(s, links, reps, "steps-" + std::to_string(STAGE), "pdl", [&](int i) {
    launch(gemv_steps_kernel<STAGE>, dim3(kBlocks), dim3(kThreads), 0, s, true, c, w, i);
  });
}

// The real GEMV chained to itself: link i reads x[i % 2] (layer-normed), writes x[(i + 1) % 2].
void run_real_gemv(const Chain& c, cudaStream_t s, int links, int reps, bool int8, int sm_count) {
  constexpr int kMatrices = 96;
  const size_t w_bytes = static_cast<size_t>(kD) * kD * (int8 ? 1 : 2);
  char* w = nullptr;
  float *scale = nullptr, *bias = nullptr, *gamma = nullptr, *beta = nullptr;
  ST_CUDA_CHECK(cudaMalloc(&w, w_bytes * kMatrices));
  ST_CUDA_CHECK(cudaMemset(w, int8 ? 0x01 : 0x00, w_bytes * kMatrices));  // small weights, finite sums
  for (float** p : {&scale, &bias, &gamma, &beta}) {
    ST_CUDA_CHECK(cudaMalloc(p, kD * sizeof(float)));
    ST_CUDA_CHECK(cudaMemset(*p, 0, kD * sizeof(float)));
  }
  for (const bool pdl : {false, true}) {
    time_graph(s, links, reps, int8 ? "gemv-i8" : "gemv-f16", pdl ? "pdl" : "graph", [&](int i) {
      GemvArgs a;
      a.w = w + (i % kMatrices) * w_bytes;
      a.scale = int8 ? scale : nullptr;
      a.bias = bias;
      a.n = kD;
      a.k = kD;
      a.x = c.x[i % 2];
      a.ln_gamma = gamma;
      a.ln_beta = beta;
      a.out = c.x[(i + 1) % 2];
      a.preload = true;
      gemv(a, int8, sm_count, s, pdl);
    });
  }
  for (void* p : {static_cast<void*>(w), static_cast<void*>(scale), static_cast<void*>(bias),
                  static_cast<void*>(gamma), static_cast<void*>(beta)}) {
    ST_CUDA_CHECK(cudaFree(p));
  }
}

}  // namespace

int main(int argc, char** argv) {
  int links = 480, reps = 20;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--links") == 0) links = std::atoi(argv[i + 1]);
    else if (std::strcmp(argv[i], "--reps") == 0) reps = std::atoi(argv[i + 1]);
  }
  try {
    cudaDeviceProp p;
    ST_CUDA_CHECK(cudaGetDeviceProperties(&p, 0));
    std::printf("%s, %d SMs, L2 %d MB; %d blocks x %d threads\n", p.name, p.multiProcessorCount, p.l2CacheSize >> 20,
                kBlocks, kThreads);
    Chain c{};
    ST_CUDA_CHECK(cudaMalloc(&c.counter, sizeof(unsigned int)));
    for (float*& p : c.x) {
      ST_CUDA_CHECK(cudaMalloc(&p, kD * sizeof(float)));
      ST_CUDA_CHECK(cudaMemset(p, 0, kD * sizeof(float)));
    }
    for (float*& p : c.sums) {
      ST_CUDA_CHECK(cudaMalloc(&p, kMaxCopies * kD * sizeof(float)));
      ST_CUDA_CHECK(cudaMemset(p, 0, kMaxCopies * kD * sizeof(float)));
    }
    const size_t w_bytes = static_cast<size_t>(kWeightSlices + 1) * kBlocks * kWeightLoads * kThreads * sizeof(uint4);
    uint4* w = nullptr;
    ST_CUDA_CHECK(cudaMalloc(&w, w_bytes));
    ST_CUDA_CHECK(cudaMemset(w, 0x11, w_bytes));
    c.w = w;
    ST_CUDA_CHECK(cudaMalloc(&c.sink, sizeof(float)));
    cudaStream_t s;
    ST_CUDA_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    run_body<kEmpty>(c, s, links, reps);
    run_body<kNorm>(c, s, links, reps);
    run_body<kAtom>(c, s, links, reps);
    run_body<kAtom, 4>(c, s, links, reps);
    run_body<kAtom, 16>(c, s, links, reps);
    run_body<kRows>(c, s, links, reps);
    run_body<kDsm>(c, s, links, reps);
    run_body<kPad, 2>(c, s, links, reps);
    run_body<kPad, 8>(c, s, links, reps);
    run_body<kFfn>(c, s, links, reps);
    run_body<kFfn, 4>(c, s, links, reps);
    run_body<kFfnDsm>(c, s, links, reps);
    run_body<kFfnPad, 8>(c, s, links, reps);
    {
      uint4* gw = nullptr;  // 96 int8 matrices [kD, kD] of small values
      const size_t bytes = static_cast<size_t>(96) * kD * kD;
      ST_CUDA_CHECK(cudaMalloc(&gw, bytes));
      ST_CUDA_CHECK(cudaMemset(gw, 0x01, bytes));
      run_gemv_steps<0>(c, gw, s, links, reps);
      run_gemv_steps<1>(c, gw, s, links, reps);
      run_gemv_steps<2>(c, gw, s, links, reps);
      run_gemv_steps<3>(c, gw, s, links, reps);
      ST_CUDA_CHECK(cudaFree(gw));
    }
    run_real_gemv(c, s, links, reps, true, p.multiProcessorCount);
    run_real_gemv(c, s, links, reps, false, p.multiProcessorCount);
    ST_CUDA_CHECK(cudaStreamSynchronize(s));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nmt_chain_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
