// The first step of Kokoro's F0 / energy prediction: the alignment from tokens to frames and the
// predictor's shared BiLSTM. The model builds a 0/1 alignment matrix from the durations (frame f
// belongs to token t while f < Σ durations up to t) and multiplies the token features by it
// (a FusedMatMul); with one 1 per frame column the product copies the token's features, so here it
// is a repeat. predictor.shared (DynamicQuantizeLSTM, 640 → 2 x 256) then runs over the frames;
// the F0 and N residual blocks read its output (next stage).
//
// Read-only after construction; forward() may run on several threads at once.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "stream_tts/status.h"
#include "tts/kokoro/kokoro_weights.h"
#include "tts/kokoro/quantized_lstm.h"

namespace stream_tts::kokoro {

// Row t of `x` ([tokens x cols]) repeated durations[t] times: [Σ durations x cols].
std::vector<float> expand_to_frames(std::span<const float> x, size_t cols,
                                    std::span<const int64_t> durations);

class FrameFeatures {
 public:
  static constexpr size_t kInput = 640, kOutput = 512;

  explicit FrameFeatures(const KokoroWeights& weights);

  struct Output {
    size_t frames = 0;
    std::vector<float> en;      // [frames x 640]: the predictor's features per frame
    std::vector<float> shared;  // [frames x 512]: predictor.shared's output
  };
  // `d`: [tokens x 640] (DurationPredictor::Output::d), `durations`: frames per token (>= 1).
  Result<Output> forward(std::span<const float> d, std::span<const int64_t> durations) const;

 private:
  QuantizedLstm shared_;
};

}  // namespace stream_tts::kokoro
