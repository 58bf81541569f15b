#include "tts/kokoro/text_encoder.h"

#include <string>

#include "tts/kokoro/module_params.h"
#include "tts/kokoro/quantized_ops.h"

namespace stream_tts::kokoro {

namespace {
constexpr float kLayerNormEpsilon = 1e-5f;  // StyleTTS2's LayerNorm
constexpr float kLeakySlope = 0.2f;
}  // namespace

TextEncoder::TextEncoder(const KokoroWeights& w) {
  const std::string e = "encoder.text_encoder.";
  size_t cols = 0;
  embedding_ = dequantised_table(require_param(w, e + "embedding", "weight"), &vocab_, &cols);
  if (cols != kChannels) {
    throw Error(StatusCode::kDataError, "Kokoro weights: the text embedding is not 512 wide");
  }
  for (size_t b = 0; b < kBlocks; ++b) {
    const std::string block = e + "cnn." + std::to_string(b);
    conv_[b] = QuantizedConv1d(require_param(w, block + ".0", "weight"),
                               &require_param(w, block + ".0", "bias"), (kKernel - 1) / 2);
    if (conv_[b].in_channels() != kChannels || conv_[b].out_channels() != kChannels ||
        conv_[b].output_steps(10) != 10) {
      throw Error(StatusCode::kDataError, "Kokoro weights: " + block + ".0 is not 512 x 512 x 5");
    }
    gamma_[b] = float_param(w, block + ".1", "gamma", kChannels);
    beta_[b] = float_param(w, block + ".1", "beta", kChannels);
  }
  lstm_ = QuantizedLstm(require_module(w, e + "lstm"));
  if (lstm_.input_size() != kChannels || lstm_.hidden_size() * lstm_.directions() != kChannels) {
    throw Error(StatusCode::kDataError, "Kokoro weights: the text encoder's LSTM is not 512 -> 2 x 256");
  }
}

Result<std::vector<float>> TextEncoder::forward(std::span<const int64_t> tokens,
                                                Trace* trace) const {
  const size_t t_len = tokens.size();
  if (t_len == 0) return Status(StatusCode::kInvalidArgument, "the text encoder needs tokens");
  for (int64_t id : tokens) {
    if (id < 0 || static_cast<size_t>(id) >= vocab_) {
      return Status(StatusCode::kInvalidArgument,
                    "token id " + std::to_string(id) + " is outside the vocabulary");
    }
  }
  std::vector<float> x(t_len * kChannels), conv, normed;
  for (size_t t = 0; t < t_len; ++t) {
    const float* row = embedding_.data() + static_cast<size_t>(tokens[t]) * kChannels;
    std::copy(row, row + kChannels, x.begin() + static_cast<std::ptrdiff_t>(t * kChannels));
  }
  if (trace != nullptr) trace->emplace_back("embedding", x);
  for (size_t b = 0; b < kBlocks; ++b) {
    conv_[b].forward(x, t_len, &conv);
    layer_norm_onnx(conv, kChannels, gamma_[b], beta_[b], kLayerNormEpsilon, &x);
    leaky_relu(x, kLeakySlope);
    if (trace != nullptr) trace->emplace_back("cnn." + std::to_string(b), x);
  }
  std::vector<float> out;
  lstm_.forward(x, t_len, &out);
  return out;
}

}  // namespace stream_tts::kokoro
