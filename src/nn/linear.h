// The weights of one affine map y = W·x + b, stored as PyTorch stores nn.Linear: W is [out, in], row
// major. Device-independent: the CPU kernels (nn/cpu) read it today; a CUDA path would upload it.
// Read-only after loading (quantize_int8 is part of loading), so it may be shared between threads.
#pragma once

#include <cstdint>
#include <vector>

#include "nn/host_buffer.h"
#include "nn/tensor.h"

namespace stream_tts::nn {

struct Linear {
  int in = 0;
  int out = 0;
  FloatTensor weight;             // [out, in] fp32; empty once quantized
  FloatTensor bias;               // [out]; empty when the layer has none
  HugeVector<int8_t> qweight;     // [out, in] int8 when quantized
  std::vector<float> qscale;      // [out]: W[r, :] ≈ qscale[r] · qweight[r, :]

  bool quantized() const { return !qweight.empty(); }
};

// An int8 copy of an fp32 Linear's weight with per-row error bounds, for cpu::linear_argmax: the exact
// argmax of the fp32 output while streaming a quarter of the bytes (most of a greedy decoder step's
// memory traffic is the LM head). Read-only after make_argmax_screen.
struct ArgmaxScreen {
  HugeVector<int8_t> q;             // [out, in]: W[r, :] ≈ scale[r] · q[r, :]
  std::vector<float> scale;         // [out]
  std::vector<float> residual_norm; // [out]: ||W[r, :] − scale[r]·q[r, :]||₂, rounded up
  std::vector<float> q_norm;        // [out]: ||scale[r]·q[r, :]||₂, rounded up
  std::vector<float> w_norm;        // [out]: ||W[r, :]||₂, rounded up

  bool empty() const { return q.empty(); }
};

// Builds the screen of an fp32 layer (per-row symmetric int8, like quantize_int8); keeps the layer.
ArgmaxScreen make_argmax_screen(const Linear& linear);

// Per-output-row symmetric int8 (scale = max|W[r,:]| / 127); drops the fp32 weight.
void quantize_int8(Linear* linear);

}  // namespace stream_tts::nn
