// Embeddings with sinusoidal positions, residual + LayerNorm rows, bias + activation, and the weight
// conversions done once at load time.
#include <algorithm>
#include <cmath>

#include "nn/cuda/device_utils.cuh"

namespace stream_tts::nn::cuda {
namespace {

constexpr int kThreads = 256;

__global__ void __launch_bounds__(kThreads) embed_kernel(EmbedArgs a) {
  pdl_launch_dependents();
  pdl_wait();
  const int row = blockIdx.x;
  const int token = a.step != nullptr ? a.tokens[*a.step] : a.tokens[row];
  const int position = a.step != nullptr ? *a.step : row;
  const __half* e = reinterpret_cast<const __half*>(a.table) + static_cast<size_t>(token) * a.d;
  float* out = a.out + static_cast<size_t>(row) * a.d;
  const int half = a.d / 2;
  if (!a.marian) {
    // transformers M2M100SinusoidalPositionalEmbedding, in float as torch computes the table.
    const int p = token == a.pad ? a.pad : position + a.pad + 1;
    for (int i = threadIdx.x; i < a.d; i += kThreads) {
      out[i] = __half2float(e[i]) * a.scale + m2m100_position(p, a.pad, i, a.d);
    }
  } else {
    // MarianSinusoidalPositionalEmbedding: numpy in double, sin of even columns then cos of odd ones.
    const int sentinel = a.d % 2 == 0 ? half : half + 1;
    for (int i = threadIdx.x; i < a.d; i += kThreads) {
      const int j = i < sentinel ? 2 * i : 2 * (i - sentinel) + 1;
      const double angle = position / pow(10000.0, 2.0 * (j / 2) / a.d);
      const float pos = static_cast<float>(i < sentinel ? sin(angle) : cos(angle));
      out[i] = __half2float(e[i]) * a.scale + pos;
    }
  }
}

constexpr int kNormHeld = 8;  // row values a thread keeps in registers (d <= 2048); the rest via memory

__global__ void __launch_bounds__(kThreads) residual_norm_kernel(ResidualNormArgs a) {
  extern __shared__ float4 smem4[];
  float* v = reinterpret_cast<float*>(smem4);
  __shared__ float scratch[64];
  // The constants (bias, gamma, beta) of this thread's first kNormHeld columns before the wait, so that
  // the chain after it is the row, one reduction and the stores (no load behind the reduction).
  float bias[kNormHeld], gamma[kNormHeld], beta[kNormHeld];
#pragma unroll
  for (int j = 0; j < kNormHeld; ++j) {
    const int i = threadIdx.x + j * kThreads;
    bias[j] = gamma[j] = beta[j] = 0.0f;
    if (i < a.d) {
      if (a.y != nullptr && a.bias != nullptr) bias[j] = a.bias[i];
      if (a.gamma != nullptr) {
        gamma[j] = a.gamma[i];
        beta[j] = a.beta[i];
      }
    }
  }
  pdl_launch_dependents();
  pdl_wait();
  const size_t base = static_cast<size_t>(blockIdx.x) * a.d;
  float* x = a.x + base;
  float sum = 0.0f, sq = 0.0f;
  auto add = [&](int i, float b) {
    float t = x[i];
    if (a.y != nullptr) {
      t += a.y[base + i] + b;
      x[i] = t;
    }
    v[i] = t;
    sum += t;
    sq = fmaf(t, t, sq);
  };
#pragma unroll
  for (int j = 0; j < kNormHeld; ++j) {
    if (threadIdx.x + j * kThreads < a.d) add(threadIdx.x + j * kThreads, bias[j]);
  }
  for (int i = threadIdx.x + kNormHeld * kThreads; i < a.d; i += kThreads) {
    add(i, a.y != nullptr && a.bias != nullptr ? a.bias[i] : 0.0f);
  }
  if (a.gamma != nullptr) {
    // Both statistics in one reduction (as the decode GEMVs' LayerNorm): the rows are O(1) residual
    // activations, so E[x²] − mean² loses nothing that matters in fp32.
    const float2 t = block_sum2(sum, sq, scratch);
    const float mean = t.x / a.d;
    const float rstd = rsqrtf(fmaxf(t.y / a.d - mean * mean, 0.0f) + a.eps);
    auto norm = [&](int i, float g, float b) {
      const float n = (v[i] - mean) * rstd * g + b;
      v[i] = n;
      if (a.write_back) x[i] = n;
    };
#pragma unroll
    for (int j = 0; j < kNormHeld; ++j) {
      if (threadIdx.x + j * kThreads < a.d) norm(threadIdx.x + j * kThreads, gamma[j], beta[j]);
    }
    for (int i = threadIdx.x + kNormHeld * kThreads; i < a.d; i += kThreads) norm(i, a.gamma[i], a.beta[i]);
  }
  if (a.out_half != nullptr) {
    __half* o = reinterpret_cast<__half*>(a.out_half) + base;
    for (int i = threadIdx.x; i < a.d; i += kThreads) o[i] = __float2half_rn(v[i]);
  }
}

__global__ void bias_act_to_half_kernel(const float* in, const float* bias, Act act, int rows, int cols,
                                        __half* out) {
  pdl_launch_dependents();
  pdl_wait();
  const size_t n = static_cast<size_t>(rows) * cols;
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    float v = in[i];
    if (bias != nullptr) v += bias[i % cols];
    out[i] = __float2half_rn(apply_act(v, act));
  }
}

// One warp a row (ln_fold_rows): the sums in double, so that the folded constants carry no more
// rounding than the fp32 epilogue that uses them.
__global__ void ln_fold_rows_kernel(const void* w, const float* scale, bool int8, int n, int k, const float* gamma,
                                    const float* beta, const float* bias, float* row_sum, float* bias_out) {
  const int lane = threadIdx.x & 31;
  const int row = blockIdx.x * (blockDim.x / 32) + (threadIdx.x >> 5);
  if (row >= n) return;
  double s = 0.0, b = 0.0;
  for (int c = lane; c < k; c += 32) {
    const size_t at = static_cast<size_t>(row) * k + c;
    const double v = int8 ? static_cast<double>(static_cast<const int8_t*>(w)[at])
                          : static_cast<double>(__half2float(static_cast<const __half*>(w)[at]));
    s += v * gamma[c];
    b += v * beta[c];
  }
  for (int o = 16; o > 0; o >>= 1) {
    s += __shfl_xor_sync(0xffffffffu, s, o);
    b += __shfl_xor_sync(0xffffffffu, b, o);
  }
  if (lane == 0) {
    const double sc = int8 ? static_cast<double>(scale[row]) : 1.0;
    row_sum[row] = static_cast<float>(s * sc);
    bias_out[row] = static_cast<float>((bias != nullptr ? static_cast<double>(bias[row]) : 0.0) + b * sc);
  }
}

__global__ void f32_to_half_kernel(const float* in, size_t n, __half* out) {
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    out[i] = __float2half_rn(in[i]);
  }
}

__global__ void __launch_bounds__(kThreads) quantize_rows_kernel(const float* in, int cols, int8_t* q, float* scale) {
  __shared__ float scratch[32];
  const float* w = in + static_cast<size_t>(blockIdx.x) * cols;
  float amax = 0.0f;
  for (int c = threadIdx.x; c < cols; c += kThreads) amax = fmaxf(amax, fabsf(w[c]));
  amax = warp_max(amax);
  if ((threadIdx.x & 31) == 0) scratch[threadIdx.x >> 5] = amax;
  __syncthreads();
  amax = 0.0f;
  for (int i = 0; i < kThreads / 32; ++i) amax = fmaxf(amax, scratch[i]);
  const float s = amax > 0.0f ? amax / 127.0f : 1.0f;
  const float inv = 1.0f / s;
  int8_t* qr = q + static_cast<size_t>(blockIdx.x) * cols;
  for (int c = threadIdx.x; c < cols; c += kThreads) {
    qr[c] = static_cast<int8_t>(__float2int_rn(fminf(fmaxf(w[c] * inv, -127.0f), 127.0f)));
  }
  if (threadIdx.x == 0) scale[blockIdx.x] = s;
}

__global__ void dequantize_rows_kernel(const int8_t* q, const float* scale, int rows, int cols, __half* out) {
  const size_t n = static_cast<size_t>(rows) * cols;
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    out[i] = __float2half_rn(static_cast<float>(q[i]) * scale[i / cols]);
  }
}

template <typename T>
__global__ void transpose_kernel(const T* in, int rows, int cols, T* out) {
  const size_t n = static_cast<size_t>(rows) * cols;
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    const size_t r = i / cols, c = i % cols;
    out[c * rows + r] = in[i];
  }
}

// Array blockIdx.y of a: dst row r = src row ids[r], in 32-bit words.
__global__ void gather_rows_multi_kernel(GatherRowsArgs a) {
  const int y = blockIdx.y, words = a.row_bytes[y] / 4;
  const uint32_t* src = static_cast<const uint32_t*>(a.src[y]);
  uint32_t* dst = static_cast<uint32_t*>(a.dst[y]);
  const size_t n = static_cast<size_t>(a.rows) * words;
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    const size_t r = i / words, w = i % words;
    dst[i] = src[static_cast<size_t>(a.ids[r]) * words + w];
  }
}

unsigned int grid_for(size_t n) {
  const size_t blocks = (n + kThreads - 1) / kThreads;
  return static_cast<unsigned int>(blocks < 4096 ? (blocks == 0 ? 1 : blocks) : 4096);
}

}  // namespace

void set_launch_carveout(int percent) { g_launch_carveout = percent; }

void embed(const EmbedArgs& a, cudaStream_t stream, bool pdl) {
  launch(embed_kernel, dim3(a.rows), dim3(kThreads), 0, stream, pdl, a);
}

void residual_norm(const ResidualNormArgs& a, cudaStream_t stream, bool pdl) {
  launch(residual_norm_kernel, dim3(a.rows), dim3(kThreads), static_cast<size_t>(a.d) * sizeof(float), stream, pdl,
         a);
}

void bias_act_to_half(const float* in, const float* bias, Act act, int rows, int cols, uint16_t* out_half,
                      cudaStream_t stream) {
  const size_t n = static_cast<size_t>(rows) * cols;
  launch(bias_act_to_half_kernel, dim3(grid_for(n)), dim3(kThreads), 0, stream, false, in, bias, act, rows, cols,
         reinterpret_cast<__half*>(out_half));
}

void ln_fold_rows(const void* w, const float* scale, bool int8, int n, int k, const float* gamma, const float* beta,
                  const float* bias, float* row_sum, float* bias_out, cudaStream_t stream) {
  if (n <= 0) return;
  constexpr int kRowsPerBlock = kThreads / 32;
  ln_fold_rows_kernel<<<(n + kRowsPerBlock - 1) / kRowsPerBlock, kThreads, 0, stream>>>(w, scale, int8, n, k, gamma,
                                                                                       beta, bias, row_sum, bias_out);
  ST_CUDA_CHECK(cudaGetLastError());
}

void f32_to_half(const float* in, size_t n, uint16_t* out, cudaStream_t stream) {
  f32_to_half_kernel<<<grid_for(n), kThreads, 0, stream>>>(in, n, reinterpret_cast<__half*>(out));
  ST_CUDA_CHECK(cudaGetLastError());
}

void quantize_rows_int8(const float* in, int rows, int cols, int8_t* q, float* scale, cudaStream_t stream) {
  quantize_rows_kernel<<<rows, kThreads, 0, stream>>>(in, cols, q, scale);
  ST_CUDA_CHECK(cudaGetLastError());
}

void transpose(const void* in, int rows, int cols, int elem_bytes, void* out, cudaStream_t stream) {
  const size_t n = static_cast<size_t>(rows) * cols;
  if (elem_bytes == 1) {
    transpose_kernel<<<grid_for(n), kThreads, 0, stream>>>(static_cast<const int8_t*>(in), rows, cols,
                                                           static_cast<int8_t*>(out));
  } else {
    transpose_kernel<<<grid_for(n), kThreads, 0, stream>>>(static_cast<const uint16_t*>(in), rows, cols,
                                                           static_cast<uint16_t*>(out));
  }
  ST_CUDA_CHECK(cudaGetLastError());
}

void gather_rows_multi(const GatherRowsArgs& a, cudaStream_t stream) {
  if (a.arrays <= 0 || a.rows == 0) return;
  int widest = 0;
  for (int i = 0; i < a.arrays; ++i) {
    if (a.row_bytes[i] % 4 != 0) {
      throw Error(StatusCode::kInvalidArgument, "gather_rows_multi: rows must be whole 32-bit words");
    }
    widest = std::max(widest, a.row_bytes[i] / 4);
  }
  const dim3 grid(grid_for(static_cast<size_t>(a.rows) * widest), static_cast<unsigned int>(a.arrays));
  gather_rows_multi_kernel<<<grid, kThreads, 0, stream>>>(a);
  ST_CUDA_CHECK(cudaGetLastError());
}

void dequantize_rows_int8(const int8_t* q, const float* scale, int rows, int cols, uint16_t* out_half,
                          cudaStream_t stream) {
  const size_t n = static_cast<size_t>(rows) * cols;
  dequantize_rows_kernel<<<grid_for(n), kThreads, 0, stream>>>(q, scale, rows, cols,
                                                               reinterpret_cast<__half*>(out_half));
  ST_CUDA_CHECK(cudaGetLastError());
}

}  // namespace stream_tts::nn::cuda
