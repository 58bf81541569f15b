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

// Per-output-row symmetric int8 (scale = max|W[r,:]| / 127); drops the fp32 weight.
void quantize_int8(Linear* linear);

}  // namespace stream_tts::nn
