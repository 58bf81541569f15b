// Device copies of an NmtModel's weights, in the layouts the kernels want: q/k/v fused into one
// [3d, d] matrix per layer, every decoder layer's cross-attention K and V stacked into one
// [layers·2d, d] matrix (one GEMM per sentence), fp16 or int8 + per-row scales, biases and norms fp32.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "translate/nmt/nmt_model.h"

namespace stream_tts::nmt_cuda {

// Owns device allocations; frees them on destruction.
class DeviceArena {
 public:
  DeviceArena() = default;
  ~DeviceArena();
  DeviceArena(const DeviceArena&) = delete;
  DeviceArena& operator=(const DeviceArena&) = delete;

  void* alloc(size_t bytes);  // zero-filled
  template <typename T>
  T* alloc_n(size_t n) {
    return static_cast<T*>(alloc(n * sizeof(T)));
  }
  size_t bytes() const { return bytes_; }

 private:
  std::vector<void*> blocks_;
  size_t bytes_ = 0;
};

struct DeviceLinear {
  void* w = nullptr;        // [n, k] fp16 or int8
  float* scale = nullptr;   // [n] int8 only
  float* bias = nullptr;    // [n], zeros when the layer has none
  uint16_t* w16 = nullptr;  // int8 encoder layers: fp16 copy (dequantized once) for the encoder GEMMs
  // The LayerNorm before this layer folded into its rows (NmtCudaOptions::fold_layer_norm): Σ_c γ_c w_rc
  // and b_r + Σ_c β_c w_rc (GemvArgs::ln_row_sum); null when not folded.
  float* ln_sum = nullptr;
  float* ln_bias = nullptr;
  // The bias a GEMV over these rows adds: b + W·β when the LayerNorm is folded, else b.
  const float* gemv_bias() const { return ln_sum != nullptr ? ln_bias : bias; }
  int n = 0, k = 0;
  bool int8 = false;
};

struct DeviceNorm {
  float* gamma = nullptr;
  float* beta = nullptr;
};

struct DeviceLayer {
  DeviceLinear qkv, out, cross_q, cross_out, fc1, fc2;
  DeviceNorm self_norm, cross_norm, final_norm;
};

struct DeviceWeights {
  uint16_t* encoder_embed = nullptr;  // fp16 [vocab, d]
  uint16_t* decoder_embed = nullptr;  // fp16 [decoder_vocab, d]; the encoder's table when shared
  std::vector<DeviceLayer> encoder, decoder;
  DeviceNorm encoder_norm, decoder_norm;  // pre-LN models
  DeviceLinear cross_kv;                  // [decoder_layers·2d, d]: layer l's K rows at l·2d, V at l·2d + d
  DeviceLinear lm_head;                   // bias = final_logits_bias (zeros when absent)
  size_t max_linear_elements = 0;         // largest matrix (int8 encoder GEMMs dequantize into a scratch)
};

// Uploads `model` (int8: quantize fp32 weights on the GPU, or take the model's int8 weights as they are).
DeviceWeights upload_nmt_weights(const NmtModel& model, bool int8, DeviceArena& arena, cudaStream_t stream);

}  // namespace stream_tts::nmt_cuda
