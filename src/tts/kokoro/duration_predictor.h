// The duration half of Kokoro's prosody predictor, on the CPU with the int8 graph's arithmetic:
//   predictor.text_encoder (DurationEncoder): x = [d_en, s]; three times: BiLSTM(640 → 2 x 256),
//     AdaLayerNorm (LayerNorm without affine, then (1 + γ(s)) · x + β(s), γ and β from an int8
//     Linear(128 → 1024) of the style), concatenated with s again → d [tokens x 640];
//   predictor.lstm (BiLSTM 640 → 512) → duration_proj (int8 Linear 512 → 50) → sigmoid (MLAS's),
//     summed over the 50 bins (in Eigen's order, as ONNX Runtime's ReduceSum), / speed, rounded
//     half to even, at least 1 → frames per token.
// s is the style row's last 128 values (the predictor's half). A single utterance: no mask.
//
// Read-only after construction; forward() may run on several threads at once.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "stream_tts/status.h"
#include "tts/kokoro/kokoro_weights.h"
#include "tts/kokoro/quantized_lstm.h"
#include "tts/kokoro/quantized_ops.h"

namespace stream_tts::kokoro {

class DurationPredictor {
 public:
  static constexpr size_t kHidden = 512, kStyle = 128, kLayers = 3, kMaxDuration = 50;

  explicit DurationPredictor(const KokoroWeights& weights);

  struct Output {
    size_t tokens = 0;
    std::vector<float> d;       // [tokens x 640]: predictor.text_encoder's output (en's source)
    std::vector<float> lstm;    // [tokens x 512]: predictor.lstm's output
    std::vector<float> logits;  // [tokens x 50]: duration_proj
    std::vector<float> sums;    // [tokens]: Σ sigmoid(logits) / speed, before rounding
    std::vector<int64_t> durations;  // [tokens]: frames per token, >= 1
  };
  // `d_en`: [tokens x 512] (bert_encoder's output), `style`: the 256-value style row (its last
  // 128 are used), `speed` > 0. kInvalidArgument on other sizes.
  Result<Output> forward(std::span<const float> d_en, size_t tokens, std::span<const float> style,
                         float speed) const;

 private:
  QuantizedLstm lstms_[kLayers];
  QuantizedLinear norm_fc_[kLayers];  // AdaLayerNorm fc: 128 → 1024 (γ then β)
  QuantizedLstm lstm_;
  QuantizedLinear projection_;  // 512 → 50
};

// AdaLayerNorm as the graph computes it: n = LayerNorm(x) (no affine, eps 1e-5);
// y = (γ + 1) · n + β, row by row over `cols` channels. `gamma_beta` = [γ (cols), β (cols)].
void ada_layer_norm(std::span<const float> x, size_t cols, std::span<const float> gamma_beta,
                    std::vector<float>* y);

// ONNX Runtime's ReduceSum of a row of n floats that starts `offset` floats after a 16-byte
// aligned address: Eigen's vectorised sum (4-wide packets, two accumulators, aligned start; the
// unaligned head and the tail added after the packets' horizontal sum).
float eigen_sum(const float* row, size_t n, size_t offset);

}  // namespace stream_tts::kokoro
