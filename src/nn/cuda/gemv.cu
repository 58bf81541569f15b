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
#include "nn/cuda/gemv_body.cuh"
#include "nn/cuda/gemv_math.cuh"

namespace stream_tts::nn::cuda {
namespace {

using namespace gemv_detail;  // NOLINT(google-build-using-namespace): this file's own building blocks

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
