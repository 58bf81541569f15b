#include "tts/kokoro/quantized_lstm.h"

#include <string>

#include "stream_tts/status.h"
#include "tts/kokoro/mlas_math.h"

namespace stream_tts::kokoro {

namespace {

// A DynamicQuantizeLSTM weight: int8/uint8 [dirs, rows, 4h] minus its per-direction zero point.
std::vector<int16_t> centred_weight(const Param& p, size_t dirs, size_t rows, size_t cols,
                                    std::vector<float>* scales) {
  const nn::onnx::Tensor& t = *p.tensor;
  const bool int8 = t.data_type == nn::onnx::DataType::kInt8;
  if (p.use != WeightUse::kLstmInteger || p.scale == nullptr || p.zero_point == nullptr ||
      t.dims.size() != 3 || static_cast<size_t>(t.dims[0]) != dirs ||
      static_cast<size_t>(t.dims[1]) != rows || static_cast<size_t>(t.dims[2]) != cols ||
      static_cast<size_t>(p.scale->element_count()) != dirs ||
      static_cast<size_t>(p.zero_point->element_count()) != dirs ||
      (!int8 && t.data_type != nn::onnx::DataType::kUint8)) {
    throw Error(StatusCode::kDataError,
                "LSTM weight '" + std::string(t.name) + "' is not a quantised [dirs, in, 4h] tensor");
  }
  const uint8_t* raw = t.bytes().data();
  std::vector<int16_t> out(dirs * rows * cols);
  scales->resize(dirs);
  for (size_t d = 0; d < dirs; ++d) {
    (*scales)[d] = static_cast<float>(p.scale->as_double(d));
    const auto zp = static_cast<int16_t>(p.zero_point->as_double(d));
    for (size_t i = 0; i < rows * cols; ++i) {
      const uint8_t b = raw[d * rows * cols + i];
      const auto v = int8 ? static_cast<int16_t>(static_cast<int8_t>(b)) : static_cast<int16_t>(b);
      out[d * rows * cols + i] = static_cast<int16_t>(v - zp);
    }
  }
  return out;
}

}  // namespace

QuantizedLstm::QuantizedLstm(const Module& m) {
  const Param* w = m.param("W");
  const Param* r = m.param("R");
  const Param* b = m.param("B");
  if (w == nullptr || r == nullptr || b == nullptr || w->tensor->dims.size() != 3 ||
      r->tensor->dims.size() != 3) {
    throw Error(StatusCode::kDataError, "Kokoro weights: " + m.name + " is not an int8 LSTM");
  }
  const auto dirs = static_cast<size_t>(w->tensor->dims[0]);
  in_ = static_cast<size_t>(w->tensor->dims[1]);
  hidden_ = static_cast<size_t>(r->tensor->dims[1]);
  std::vector<float> w_scale, r_scale;
  const std::vector<int16_t> wc = centred_weight(*w, dirs, in_, 4 * hidden_, &w_scale);
  const std::vector<int16_t> rc = centred_weight(*r, dirs, hidden_, 4 * hidden_, &r_scale);
  const std::vector<float> bias = b->tensor->to_floats();
  init(dirs, wc, w_scale, rc, r_scale, bias);
}

QuantizedLstm::QuantizedLstm(size_t directions, size_t input_size, size_t hidden_size,
                             std::span<const int16_t> w, std::span<const float> w_scale,
                             std::span<const int16_t> r, std::span<const float> r_scale,
                             std::span<const float> bias)
    : in_(input_size), hidden_(hidden_size) {
  init(directions, w, w_scale, r, r_scale, bias);
}

void QuantizedLstm::init(size_t dirs, std::span<const int16_t> w, std::span<const float> w_scale,
                         std::span<const int16_t> r, std::span<const float> r_scale,
                         std::span<const float> bias) {
  const size_t g = 4 * hidden_;
  if (dirs == 0 || dirs > 2 || w.size() != dirs * in_ * g || r.size() != dirs * hidden_ * g ||
      w_scale.size() != dirs || r_scale.size() != dirs || bias.size() != dirs * 2 * g) {
    throw Error(StatusCode::kDataError, "LSTM: W, R, B and the scales do not fit each other");
  }
  dirs_.clear();
  for (size_t d = 0; d < dirs; ++d) {
    Direction dir{QuantizedLinear(in_, g, w.subspan(d * in_ * g, in_ * g), w_scale.subspan(d, 1), {}),
                  QuantizedLinear(hidden_, g, r.subspan(d * hidden_ * g, hidden_ * g),
                                  r_scale.subspan(d, 1), {}),
                  std::vector<float>(g)};
    // ORT fuses the two biases once, when the kernel is built.
    for (size_t n = 0; n < g; ++n) dir.bias[n] = bias[d * 2 * g + n] + bias[d * 2 * g + g + n];
    dirs_.push_back(std::move(dir));
  }
}

void QuantizedLstm::forward(std::span<const float> x, size_t steps, std::vector<float>* y) const {
  if (x.size() != steps * in_) {
    throw Error(StatusCode::kInvalidArgument, "LSTM: the input is not [steps x input_size]");
  }
  y->assign(steps * dirs_.size() * hidden_, 0.0f);
  if (steps == 0) return;
  // One quantisation of the whole sequence serves both directions (the reverse one quantises the
  // reversed copy: the same range, the same codes).
  QuantizedActivations xq;
  dynamic_quantize_linear(x, &xq);
  for (size_t d = 0; d < dirs_.size(); ++d) run_direction(d, xq, steps, y);
}

void QuantizedLstm::run_direction(size_t d, const QuantizedActivations& xq, size_t steps,
                                  std::vector<float>* y) const {
  const Direction& dir = dirs_[d];
  const size_t h = hidden_, g = 4 * hidden_, width = dirs_.size() * hidden_;
  std::vector<int32_t> acc;
  dir.w.accumulate(xq, steps, &acc);
  const float x_scale = xq.scale * dir.w.weight_scale(0);  // ORT's scale_multiplier
  std::vector<float> xw(steps * g);
  for (size_t i = 0; i < xw.size(); ++i) xw[i] = static_cast<float>(acc[i]) * x_scale;

  std::vector<float> hidden(h, 0.0f), cell(h, 0.0f), gates(g), cell_tanh(h);
  QuantizedActivations hq;
  for (size_t s = 0; s < steps; ++s) {
    const size_t t = d == 0 ? s : steps - 1 - s;
    dynamic_quantize_linear(hidden, &hq);
    dir.r.accumulate(hq, 1, &acc);
    const float h_scale = hq.scale * dir.r.weight_scale(0);
    const float* x_row = xw.data() + t * g;
    for (size_t n = 0; n < g; ++n) {
      // MLAS's accumulate-mode output: product · scale, then + what the input's GEMM left.
      gates[n] = static_cast<float>(acc[n]) * h_scale + x_row[n];
      gates[n] = gates[n] + dir.bias[n];
    }
    float* in_gate = gates.data();
    float* out_gate = in_gate + h;
    float* forget_gate = out_gate + h;
    float* candidate = forget_gate + h;
    mlas_logistic(std::span<float>(in_gate, h));
    mlas_logistic(std::span<float>(forget_gate, h));
    mlas_tanh(std::span<float>(candidate, h));
    for (size_t j = 0; j < h; ++j) cell[j] = cell[j] * forget_gate[j] + in_gate[j] * candidate[j];
    mlas_logistic(std::span<float>(out_gate, h));
    for (size_t j = 0; j < h; ++j) cell_tanh[j] = mlas_tanh(cell[j]);
    float* out = y->data() + t * width + d * h;
    for (size_t j = 0; j < h; ++j) {
      hidden[j] = cell_tanh[j] * out_gate[j];
      out[j] = hidden[j];
    }
  }
}

}  // namespace stream_tts::kokoro
