// Single-threaded row kernels shared inside nn/cpu (linear(), the int8 path and linear_argmax), so
// that a value recomputed for a few rows is bit-identical to the one linear() produces.
#pragma once

#include <cstdint>

#include "nn/linear.h"

namespace stream_tts::nn::cpu {

// out[n − begin] = W[n, :] · x + b[n] for begin <= n < end (fp32 weights, one input row). `begin`
// must be a multiple of 4: rows are taken in blocks of four, the summation order linear() uses.
void gemv_f32_rows(const Linear& layer, const float* x, int begin, int end, float* out);

// Symmetric per-row int8 of x[0, n): returns the scale (x ≈ scale · q).
float quantize_row_int8(const float* x, int n, int8_t* q);

// acc[n - begin] = Σ_k qx[k] · w[n, k] in int32 for begin <= n < end; w is [*, in] int8.
void int8_dot_rows(const int8_t* qx, const int8_t* w, int in, int begin, int end, int32_t* acc);

}  // namespace stream_tts::nn::cpu
