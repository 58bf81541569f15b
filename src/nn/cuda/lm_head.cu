// The LM head of a greedy decode step (kernels.cuh: LmHeadArgs): a GEMV over the vocabulary rows whose
// epilogue keeps the running argmax, and whose last block turns it into the next token and the next
// step's input. With a screen (fp16 models), the GEMV reads an int8 copy of the rows and only bounds
// each logit; lm_head_rescore recomputes in fp16 the few rows that the bounds cannot rule out, so the
// token is the argmax of the fp16 logits while the step reads half the bytes.
#include <cmath>

#include "nn/cuda/device_utils.cuh"
#include "nn/cuda/gemv_body.cuh"
#include "nn/cuda/gemv_math.cuh"

namespace stream_tts::nn::cuda {
namespace {

using namespace gemv_detail;  // NOLINT(google-build-using-namespace): the GEMV building blocks

// The inverse of ordered(): the float a key's upper half stands for.
__device__ __forceinline__ float unordered(unsigned int k) {
  return __uint_as_float((k & 0x80000000u) ? (k & 0x7FFFFFFFu) : ~k);
}

// Argmax key: ordered(value) << 32 | ~id, so that ties go to the lower id (torch.argmax takes the first
// maximum) and a NaN never wins.
__device__ __forceinline__ unsigned long long argmax_key(float y, int id) {
  if (y != y) return 0;
  return (static_cast<unsigned long long>(ordered(y)) << 32) | (0xFFFFFFFFu - static_cast<unsigned int>(id));
}

__device__ __forceinline__ bool suppressed_id(const LmHeadArgs& h, int id) {
  bool s = false;
  for (int i = 0; i < h.n_suppressed; ++i) s = s || h.suppressed[i] == id;
  return s;
}

// The largest key of the block, in thread 0 (others: their warp's).
__device__ __forceinline__ unsigned long long block_max_key(unsigned long long best) {
  __shared__ unsigned long long best_of_warp[kWarps];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) {
    const unsigned long long other = __shfl_xor_sync(0xffffffffu, best, o);
    best = other > best ? other : best;
  }
  if (lane == 0) best_of_warp[warp] = best;
  __syncthreads();
  if (threadIdx.x == 0) {
    for (int i = 0; i < kWarps; ++i) best = best_of_warp[i] > best ? best_of_warp[i] : best;
  }
  return best;
}

// The end of a step (lm_head, lm_head_rescore): the block's best key into control->key; the last block
// to finish turns it into the next token (or the forced one), advances the step, resets the control
// for the next step and, when asked, writes the next step's input embedding.
__device__ __forceinline__ void finish_step(const LmHeadArgs& h, unsigned long long best) {
  __shared__ bool last_block;
  __shared__ int next[2];
  best = block_max_key(best);
  if (threadIdx.x == 0) {
    atomicMax(&h.control->key, best);
    __threadfence();
    const unsigned int done = atomicAdd(&h.control->blocks_done, 1u);
    last_block = done == gridDim.x - 1;
  }
  __syncthreads();
  if (!last_block) return;
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
  const int k = h.gemv.k;
  const __half* e = reinterpret_cast<const __half*>(h.embed) + static_cast<size_t>(token) * k;
  for (int i = threadIdx.x; i < k; i += kThreads) {
    h.embed_out[i] = __half2float(e[i]) * h.embed_scale + m2m100_position(p, h.pad, i, k);
  }
}

template <int ROWS, bool INT8, bool PRELOAD, bool FOLD = false, bool SCREEN = false>
__global__ void __launch_bounds__(kThreads) lm_head_kernel(LmHeadArgs h) {
  extern __shared__ float4 smem4[];
  float* xs = reinterpret_cast<float*>(smem4);
  __shared__ float scratch[SCREEN ? 96 : 64];
  const GemvArgs& a = h.gemv;
  const int lane = threadIdx.x & 31;
  unsigned long long best = 0;
  auto epilogue = [&](int row0, const float (&acc)[ROWS], const GemvConsts& pc) {
#pragma unroll
    for (int r = 0; r < ROWS; ++r) {
      const int row = row0 + r;
      if (lane != r || row >= a.n) continue;
      float y = row_value<INT8, PRELOAD, FOLD>(a, row, acc[r], pc);
      if constexpr (SCREEN) {
        // C ≥ ‖LN(x)‖ + 1: ‖γ ⊙ (x − mean)‖·rstd + ‖β‖ ≤ rstd·(‖γ ⊙ x‖ + |mean|·‖γ‖) + ‖β‖.
        const float c = pc.rstd * (pc.gx_norm + fabsf(pc.mean) * h.gamma_norm) + h.beta_norm + 1.0f;
        const float bound = c * pc.err;
        a.out[row] = y + bound;
        y -= bound;  // the lower bound competes for the key
      } else {
        a.out[row] = y;
      }
      const int id = h.row_ids != nullptr ? h.row_ids[row] : row;
      // The same test and key as suppressed_id() and argmax_key(), written out: through those helpers
      // ptxas spilled 8 bytes in the int8 head (2026-11-28b), whose code this form keeps as it was.
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
  gemv_body<ROWS, INT8, PRELOAD, decltype(epilogue), FOLD, SCREEN>(a, xs, scratch, epilogue);
  if constexpr (SCREEN) {
    best = block_max_key(best);
    if (threadIdx.x == 0) atomicMax(&h.control->key, best);
  } else {
    finish_step(h, best);
  }
}

// Rows of the screen's upper bounds a lane reads in one pass of lm_head_rescore (two float4 loads).
constexpr int kRescoreRowsPerLane = 8;

// Blocks scan the screen's upper bounds, 256 rows a warp a pass (all of NLLB's 256k rows in one pass
// over 132 blocks: the bounds' loads are issued together, not one round trip after another); each
// candidate row (upper bound ≥ the best key so far, which starts at the best lower bound and only
// rises) is recomputed by the whole warp from the fp16 weights, with the same folded LayerNorm as the
// plain head.
__global__ void __launch_bounds__(kThreads) lm_head_rescore_kernel(LmRescoreArgs r) {
  extern __shared__ float4 smem4[];
  float* xs = reinterpret_cast<float*>(smem4);
  __shared__ float scratch[64];
  const LmHeadArgs& h = r.head;
  const GemvArgs& a = h.gemv;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  constexpr int kPer = kRescoreRowsPerLane, kWarpRows = 32 * kPer;
  GemvConsts c;
  load_ln_consts(a, c);
  pdl_launch_dependents();
  pdl_wait();
  // Row of slot j of this lane in a pass starting at base: float4 j / 4 of the lane, element j % 4.
  auto row_of = [&](int base, int l, int j) { return base + ((j / 4) * 32 + l) * 4 + j % 4; };
  const int base0 = (blockIdx.x * kWarps + warp) * kWarpRows;
  float up[kPer];
  auto load_bounds = [&](int base) {
#pragma unroll
    for (int q = 0; q < kPer / 4; ++q) {
      const int row = row_of(base, lane, 4 * q);
      if (row + 3 < a.n) {
        const float4 v = *reinterpret_cast<const float4*>(r.upper + row);
        up[4 * q] = v.x;
        up[4 * q + 1] = v.y;
        up[4 * q + 2] = v.z;
        up[4 * q + 3] = v.w;
      } else {
#pragma unroll
        for (int e = 0; e < 4; ++e) up[4 * q + e] = row + e < a.n ? r.upper[row + e] : -INFINITY;
      }
    }
  };
  load_bounds(base0);
  load_input<false, true, true>(a, xs, scratch, c);
  const unsigned long long key0 = *reinterpret_cast<volatile unsigned long long*>(&h.control->key);
  const float threshold = key0 == 0 ? INFINITY : unordered(static_cast<unsigned int>(key0 >> 32));
  const int chunks = a.k / 8;
  const uint4* w = static_cast<const uint4*>(a.w);
  unsigned long long best = 0;
  int rescored = 0;
  for (int base = base0; base < a.n; base += gridDim.x * kWarps * kWarpRows) {
    if (base != base0) load_bounds(base);
    unsigned int bits = 0;
#pragma unroll
    for (int j = 0; j < kPer; ++j) bits |= (up[j] >= threshold ? 1u : 0u) << j;
    for (unsigned int lanes = __ballot_sync(0xffffffffu, bits != 0); lanes != 0; lanes &= lanes - 1) {
      const int src = __ffs(static_cast<int>(lanes)) - 1;
      for (unsigned int b = __shfl_sync(0xffffffffu, bits, src); b != 0; b &= b - 1) {
        const int row = row_of(base, src, __ffs(static_cast<int>(b)) - 1);
        const int id = h.row_ids != nullptr ? h.row_ids[row] : row;
        if (suppressed_id(h, id)) continue;  // the same value in every lane: the warp stays together
        float acc = 0.0f;
        for (int ch = lane; ch < chunks; ch += 32) {
          acc += dot8_half(load_weights(w + static_cast<size_t>(row) * chunks + ch), xs + xs_at<false>(ch * 8));
        }
        acc = warp_sum(acc);
        if (lane == 0) {
          GemvConsts rc = c;
          rc.bias = a.bias[row];
          rc.row_sum = a.ln_row_sum[row];
          const unsigned long long key = argmax_key(row_value<false, true, true>(a, row, acc, rc), id);
          best = key > best ? key : best;
          ++rescored;
        }
      }
    }
  }
  if (lane == 0 && rescored > 0) atomicAdd(&h.control->rescored, rescored);
  finish_step(h, best);
}

// One warp a row: int8 quantisation as quantize_rows_int8, and the row's error coefficient in double.
__global__ void screen_rows_kernel(const __half* w, const float* bias, int n, int k, int8_t* q, float* scale,
                                   float* err) {
  const int row = static_cast<int>((static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x) >> 5);
  const int lane = threadIdx.x & 31;
  if (row >= n) return;
  const __half* wr = w + static_cast<size_t>(row) * k;
  float m = 0.0f;
  for (int c = lane; c < k; c += 32) m = fmaxf(m, fabsf(__half2float(wr[c])));
  m = warp_max(m);
  const float s = m > 0.0f ? m / 127.0f : 1.0f;
  double d2 = 0.0, w2 = 0.0, h2 = 0.0;
  for (int c = lane; c < k; c += 32) {
    const float v = __half2float(wr[c]);
    const int qi = __float2int_rn(fminf(fmaxf(v / s, -127.0f), 127.0f));
    q[static_cast<size_t>(row) * k + c] = static_cast<int8_t>(qi);
    const double hat = static_cast<double>(s) * qi;
    d2 += (v - hat) * (v - hat);
    w2 += static_cast<double>(v) * v;
    h2 += hat * hat;
  }
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) {
    d2 += __shfl_xor_sync(0xffffffffu, d2, o);
    w2 += __shfl_xor_sync(0xffffffffu, w2, o);
    h2 += __shfl_xor_sync(0xffffffffu, h2, o);
  }
  if (lane == 0) {
    const double b = bias != nullptr ? fabs(static_cast<double>(bias[row])) : 0.0;
    const double rounding = 16.0 * (k + 16) * 0x1p-24 * (fmax(sqrt(w2), sqrt(h2)) + b);
    scale[row] = s;
    err[row] = __double2float_ru(1.01 * sqrt(d2) + rounding);
  }
}

}  // namespace

void lm_head(const LmHeadArgs& h, bool int8, int sm_count, cudaStream_t stream, bool pdl) {
  // Two resident blocks per SM (about 100 registers a thread), each warp streaming 4 rows at a time
  // (fp16) or 8 (int8: a 1024-wide row is 64 chunks, so 4 rows of 4 chunks a lane would leave half the
  // lanes without loads).
  const int rows = h.rows_per_warp > 0 ? h.rows_per_warp : int8 ? 8 : 4;
  const int per_block = kWarps * rows;
  const int blocks = std::min((h.gemv.n + per_block - 1) / per_block, 2 * sm_count);
  const size_t smem = xs_bytes(h.gemv.k, int8);
  if (h.screen) {
    if (!int8 || !ln_folded(h.gemv) || h.gemv.row_err == nullptr) {
      throw Error(StatusCode::kInvalidArgument, "lm_head: the screen needs int8 rows, the folded LayerNorm and row_err");
    }
    launch(lm_head_kernel<8, true, true, true, true>, blocks, kThreads, smem, stream, pdl, h);
    return;
  }
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

void lm_head_rescore(const LmRescoreArgs& r, int sm_count, cudaStream_t stream, bool pdl) {
  if (!ln_folded(r.head.gemv) || r.head.gemv.k % 8 != 0 || r.upper == nullptr) {
    throw Error(StatusCode::kInvalidArgument, "lm_head_rescore: needs the folded LayerNorm and k % 8 == 0");
  }
  launch(lm_head_rescore_kernel, sm_count, kThreads, xs_bytes(r.head.gemv.k, false), stream, pdl, r);
}

void screen_rows(const uint16_t* w16, const float* bias, int n, int k, int8_t* q, float* scale, float* err,
                 cudaStream_t stream) {
  if (k % 32 != 0) throw Error(StatusCode::kInvalidArgument, "screen_rows: k must be a multiple of 32");
  const int blocks = (n + kWarps - 1) / kWarps;
  screen_rows_kernel<<<blocks, kThreads, 0, stream>>>(reinterpret_cast<const __half*>(w16), bias, n, k, q, scale,
                                                       err);
  ST_CUDA_CHECK(cudaGetLastError());
}

}  // namespace stream_tts::nn::cuda
