// Attention for batch 1: sequences here are short (tens of tokens), so a direct loop per head beats
// packing the heads for a BLAS call.
#include <algorithm>
#include <cmath>

#include "nn/cpu/kernels.h"

namespace stream_tts::nn::cpu {

void attention(const float* q, int tq, const float* k, const float* v, int tk, int kv_stride, int heads,
               int head_dim, bool causal, int q_offset, float* out, float* scratch) {
  const int width = heads * head_dim;
  for (int i = 0; i < tq; ++i) {
    const int visible = causal ? std::min(tk, q_offset + i + 1) : tk;
    for (int h = 0; h < heads; ++h) {
      const float* qh = q + static_cast<size_t>(i) * width + h * head_dim;
      float best = -INFINITY;
      for (int j = 0; j < visible; ++j) {
        const float* kh = k + static_cast<size_t>(j) * kv_stride + h * head_dim;
        float s = 0.0f;
        for (int d = 0; d < head_dim; ++d) s += qh[d] * kh[d];
        scratch[j] = s;
        best = std::max(best, s);
      }
      float total = 0.0f;
      for (int j = 0; j < visible; ++j) {
        scratch[j] = std::exp(scratch[j] - best);
        total += scratch[j];
      }
      const float inv = 1.0f / total;
      float* oh = out + static_cast<size_t>(i) * width + h * head_dim;
      std::fill(oh, oh + head_dim, 0.0f);
      for (int j = 0; j < visible; ++j) {
        const float p = scratch[j] * inv;
        const float* vh = v + static_cast<size_t>(j) * kv_stride + h * head_dim;
        for (int d = 0; d < head_dim; ++d) oh[d] += p * vh[d];
      }
    }
  }
}

}  // namespace stream_tts::nn::cpu
