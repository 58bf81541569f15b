// The F0 (pitch) and N (energy) curves of Kokoro's prosody predictor: on predictor.shared's frames,
// three AdainResBlock each (block 1 upsamples ×2, 512 → 256 channels), then F0_proj / N_proj (1×1
// ConvInteger, 256 → 1). Both curves have twice the frames of the alignment — the decoder's rate.
//
// Read-only after construction; forward() may run on several threads at once.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "stream_tts/status.h"
#include "tts/kokoro/adain_block.h"
#include "tts/kokoro/kokoro_weights.h"
#include "tts/kokoro/quantized_conv1d.h"

namespace stream_tts::kokoro {

class F0NPredictor {
 public:
  explicit F0NPredictor(const KokoroWeights& weights);

  struct Output {
    std::vector<float> f0;  // [2·frames]
    std::vector<float> n;   // [2·frames]
  };
  // `shared`: [frames x 512] (FrameFeatures::Output::shared), `style`: the 256-value style row.
  Result<Output> forward(std::span<const float> shared, size_t frames,
                         std::span<const float> style) const;

 private:
  std::vector<float> curve(const std::vector<AdainResBlock>& blocks, const QuantizedConv1d& proj,
                           std::span<const float> shared, size_t frames,
                           const QuantizedActivations& style) const;
  std::vector<AdainResBlock> f0_blocks_, n_blocks_;
  QuantizedConv1d f0_proj_, n_proj_;
};

}  // namespace stream_tts::kokoro
