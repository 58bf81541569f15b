// ONNX Runtime's com.microsoft DynamicQuantizeLSTM on the CPU, with its arithmetic
// (contrib_ops/cpu/quantization/dynamic_quantize_lstm.cc → rnn/uni_directional_lstm.cc):
//   - the whole input sequence [steps x in] is quantised once to uint8 (per tensor, as
//     DynamicQuantizeLinear) and multiplied by W in int32, then scaled by x_scale · w_scale[dir];
//   - at each step the previous hidden state (256 values; zeros at the start) is quantised again,
//     multiplied by R in int32, scaled by h_scale · r_scale[dir] and added to the input's product;
//     then the bias Wb + Rb (summed once) is added;
//   - gates in ONNX order i, o, f, c: i, f, o = logistic, c̃ = tanh (MLAS's approximations,
//     mlas_math.h); C = C·f + i·c̃ (two products, one sum); H = tanh(C)·o.
// The reverse direction runs the same on the reversed sequence. Initial h and c are zeros, no
// peepholes, no clip (the attribute is absent), batch 1.
//
// Read-only after construction; forward() may run on several threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "tts/kokoro/kokoro_weights.h"
#include "tts/kokoro/quantized_ops.h"

namespace stream_tts::kokoro {

class QuantizedLstm {
 public:
  QuantizedLstm() = default;
  // From a mapped DynamicQuantizeLSTM module (params W, R, B with their scales and zero points).
  // Throws Error(kDataError) when they are missing or do not fit each other.
  explicit QuantizedLstm(const Module& module);
  // From centred weights (w - zero point): `w` [dirs][in][4·hidden], `r` [dirs][hidden][4·hidden],
  // one scale per direction each, `bias` [dirs][8·hidden] (ONNX's Wb then Rb, gates i, o, f, c).
  QuantizedLstm(size_t directions, size_t input_size, size_t hidden_size,
                std::span<const int16_t> w, std::span<const float> w_scale,
                std::span<const int16_t> r, std::span<const float> r_scale,
                std::span<const float> bias);

  size_t input_size() const { return in_; }
  size_t hidden_size() const { return hidden_; }
  size_t directions() const { return dirs_.size(); }

  // x: [steps x input_size], row t = time step t. y: [steps x directions·hidden_size], the
  // forward direction's hidden state first, then the reverse one's (ONNX's Y transposed to
  // [seq, dirs·hidden], as the model reshapes it). `y` is resized.
  void forward(std::span<const float> x, size_t steps, std::vector<float>* y) const;

 private:
  struct Direction {
    QuantizedLinear w, r;       // [in, 4h], [h, 4h]
    std::vector<float> bias;    // [4h]: Wb + Rb
  };
  void init(size_t directions, std::span<const int16_t> w, std::span<const float> w_scale,
            std::span<const int16_t> r, std::span<const float> r_scale,
            std::span<const float> bias);
  void run_direction(size_t d, const QuantizedActivations& xq, size_t steps,
                     std::vector<float>* y) const;

  size_t in_ = 0, hidden_ = 0;
  std::vector<Direction> dirs_;
};

}  // namespace stream_tts::kokoro
