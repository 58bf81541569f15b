// Kokoro's text encoder front: ALBERT (PL-BERT: 128-wide embeddings, one 768-wide layer with 12
// heads run 12 times) and the bert_encoder projection to the predictor's 512 channels, on the CPU
// with the int8 graph's arithmetic (quantized_ops.h). tests/parity/ compares it with onnxruntime's
// intermediate tensors for the same tokens.
//
// Read-only after construction (it copies what it needs from the weights, so the KokoroWeights may
// go); forward() may run on several threads at once.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "stream_tts/status.h"
#include "tts/kokoro/kokoro_weights.h"
#include "tts/kokoro/quantized_ops.h"

namespace stream_tts::kokoro {

class AlbertEncoder {
 public:
  static constexpr size_t kHidden = 768, kEmbedding = 128, kHeads = 12, kPasses = 12,
                          kProjected = 512;

  // Throws Error(kDataError) when a module is missing or has other shapes than Kokoro-82M's.
  explicit AlbertEncoder(const KokoroWeights& weights);

  struct Output {
    size_t tokens = 0;
    std::vector<float> hidden;  // [tokens x 768]: ALBERT's last hidden state
    std::vector<float>
        projected;  // [tokens x 512]: bert_encoder(hidden), the predictor's input (d_en)
  };
  // `tokens` are the model's input ids (the padding 0 at both ends included), 1..512 of them, each
  // below the vocabulary size (178); kInvalidArgument otherwise. All tokens attend to all (a single
  // utterance: ALBERT's attention mask is all ones).
  // `trace`, when given, receives intermediate tensors for parity checks: embeddings, mapping_in,
  // the stages of the first two passes (passN.query, .context, .attention_norm, .gelu) and every
  // pass's output (pass0.output ... pass11.output).
  using Trace = std::vector<std::pair<std::string, std::vector<float>>>;
  Result<Output> forward(std::span<const int64_t> tokens, Trace* trace = nullptr) const;

  // One pass of the shared layer on a [tokens x 768] hidden state (the parity test feeds it
  // onnxruntime's output of the pass before, to check each pass on its own).
  Result<std::vector<float>> layer(std::span<const float> hidden, size_t tokens) const;

 private:
  struct Table {  // an int8 embedding table, dequantised once
    std::vector<float> values;
    size_t rows = 0, cols = 0;
  };
  static Table dequantised_table(const Param& p);
  // Pass number `pass` (for trace names; >= kPasses: not traced) of the shared layer, in place.
  void run_pass(std::vector<float>* hidden, size_t tokens, size_t pass, Trace* trace) const;

  Table word_, position_, token_type_;
  std::vector<float> embedding_gamma_, embedding_beta_;
  QuantizedLinear mapping_in_, query_, key_, value_, dense_, ffn_, ffn_output_, projection_;
  std::vector<float> ffn_bias_;  // FastGelu's
  std::vector<float> attention_gamma_, attention_beta_, full_gamma_, full_beta_;
};

}  // namespace stream_tts::kokoro
