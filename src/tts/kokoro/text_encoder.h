// Kokoro's text encoder (StyleTTS2's TextEncoder: `encoder.text_encoder`): token embedding (int8
// table), three blocks of Conv1d(512, 512, k=5) + LayerNorm(channels) + LeakyReLU(0.2), and a
// bidirectional LSTM (hidden 256) — the features the decoder reads through the alignment (t_en).
// On the CPU with the int8 graph's arithmetic (ConvInteger, DynamicQuantizeLSTM); a single
// utterance, so the padding mask of the PyTorch model is all false and drops out.
//
// Read-only after construction (it copies what it needs from the weights); forward() may run on
// several threads at once.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "stream_tts/status.h"
#include "tts/kokoro/kokoro_weights.h"
#include "tts/kokoro/quantized_conv1d.h"
#include "tts/kokoro/quantized_lstm.h"

namespace stream_tts::kokoro {

class TextEncoder {
 public:
  static constexpr size_t kChannels = 512, kKernel = 5, kBlocks = 3;

  // Throws Error(kDataError) when a module is missing or has other shapes than Kokoro-82M's.
  explicit TextEncoder(const KokoroWeights& weights);

  // `tokens`: the model's input ids (padding 0s included), each below the vocabulary size.
  // Returns [tokens x 512] (time-major: the graph's [512 x tokens] transposed).
  // `trace`, when given, receives "embedding", "cnn.N" (each block's LeakyReLU output).
  using Trace = std::vector<std::pair<std::string, std::vector<float>>>;
  Result<std::vector<float>> forward(std::span<const int64_t> tokens, Trace* trace = nullptr) const;

 private:
  std::vector<float> embedding_;  // [vocab x 512], dequantised
  size_t vocab_ = 0;
  QuantizedConv1d conv_[kBlocks];
  std::vector<float> gamma_[kBlocks], beta_[kBlocks];
  QuantizedLstm lstm_;
};

}  // namespace stream_tts::kokoro
