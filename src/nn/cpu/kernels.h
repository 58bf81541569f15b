// CPU kernels of the native encoder-decoder models: the only place where their math runs. Model code
// calls these functions and nothing else for numbers, so a CUDA build can offer the same set under
// nn/cuda with device buffers (the seam for the GPU path). All buffers are row-major fp32.
// Threads: the kernels use up to set_threads() threads internally (OpenBLAS for matrix products, a
// blocking pool, thread_pool.h, for the rest); call them from one thread at a time.
#pragma once

#include <cstddef>
#include <vector>

#include "nn/linear.h"

namespace stream_tts::nn::cpu {

enum class Activation { kRelu, kGelu, kGeluTanh, kSilu };

// Threads for every kernel below (process-wide: OpenBLAS and our pool have one each). n >= 1.
void set_threads(int n);

// y[rows, out] = x[rows, in] · Wᵀ + b. fp32 weights: an AVX2 matrix-vector kernel for one row, our
// own AVX-512 or OpenBLAS sgemm for several (gemm_f32.h). int8 weights: each row of x is quantized to
// int8 on the fly (symmetric, per row) and multiplied in int32 (AVX-512 VNNI or AVX2 when present).
void linear(const Linear& layer, const float* x, int rows, float* y);

// The index of the largest of y = W·x + b (+ add, when not null) over one row x, skipping `excluded`
// ids; the first on ties, as std::max_element over linear()'s output. With a non-empty screen of W
// (make_argmax_screen) it reads W as int8 and recomputes only the rows that can win, with the same
// kernel as linear(), so the answer is the same bit for bit; without one it computes every row.
// recomputed (optional): how many rows were computed in fp32, or -1 when all of them were.
// value (optional): the winner's y, the very bits linear() (+ add) gives it.
int linear_argmax(const Linear& layer, const ArgmaxScreen& screen, const float* x, const float* add,
                  const std::vector<int>& excluded, int* recomputed = nullptr, float* value = nullptr);

// out = LayerNorm(x) · gamma + beta over the last dimension; out may alias x.
void layer_norm(const float* x, int rows, int dim, const float* gamma, const float* beta, float eps, float* out);

void activate(Activation act, float* x, size_t n);
void add_inplace(float* y, const float* x, size_t n);  // y += x
void scale_inplace(float* y, float s, size_t n);       // y *= s

// Multi-head scaled dot-product attention for one sequence.
// q: [tq, heads·head_dim] (already scaled), k and v: [tk, heads·head_dim] with row stride kv_stride floats.
// causal: query i (at absolute position q_offset + i) sees keys 0..q_offset + i only.
// out: [tq, heads·head_dim]. scratch: at least tk floats.
void attention(const float* q, int tq, const float* k, const float* v, int tk, int kv_stride, int heads,
               int head_dim, bool causal, int q_offset, float* out, float* scratch);

// Name of the int8 dot-product kernel chosen at run time ("avx512vnni", "avx2" or "scalar"), for logs
// and benchmarks. All give the same int32 sums.
const char* int8_kernel_name();

}  // namespace stream_tts::nn::cpu
