// The generator's harmonic source (`m_source` with `f0_upsamp`), as the exported graph computes it:
//   f0 up ×300 (nearest) → rad_h = frac(f0·h / 24000) for harmonics h = 1..9 → linear Resize down
//   ×1/300 (half-pixel) → CumSum over frames → ·2·π·300 → linear Resize up ×300 → sin → ·0.1 →
//   · (f0 > 10) → l_linear (9 → 1, MatMul + bias) → tanh.
// The export has no noise and no random initial phase, so the source is a function of F0 alone.
// Whole-sentence state: the phase is a cumulative sum from the first frame (a window needs the
// running sum of the frames before it).
//
// Read-only after construction; forward() may run on several threads at once.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "tts/kokoro/kokoro_weights.h"

namespace stream_tts::kokoro {

class SineSource {
 public:
  static constexpr size_t kHarmonics = 9;
  static constexpr size_t kUpsample = 300;  // audio samples per F0 value

  // Throws Error(kDataError) when m_source.l_linear is missing or not [9, 1] + [1].
  explicit SineSource(const KokoroWeights& weights);

  // f0: [frames2] Hz. Returns [300·frames2] source samples. `sines`, when not null, receives the
  // voiced harmonics before l_linear, [samples x 9] (for the parity test).
  std::vector<float> forward(std::span<const float> f0, std::vector<float>* sines = nullptr) const;

 private:
  float weight_[kHarmonics] = {};
  float bias_ = 0.0f;
};

// ONNX Resize, mode linear, half_pixel, on a [9 x w_in] tensor (rows = harmonics) along its last
// axis, as onnxruntime's 3-D ("trilinear", depth 1) kernel computes it: source coordinate
// (x + 0.5) / scale − 0.5 clamped to the row, the eight corner terms with their weights (0.5 for the
// depth axis of size 1, and for the last row, whose neighbour is itself) summed in its order.
// `scale` is the graph's float scale (300 or 1/300); `w_out` = floor(w_in · scale).
void resize_linear_rows(std::span<const float> in, size_t rows, size_t w_in, float scale,
                        size_t w_out, std::vector<float>* out);

}  // namespace stream_tts::kokoro
