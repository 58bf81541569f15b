#include "tts/kokoro/quantized_conv1d.h"

#include <cmath>
#include <string>
#include <utility>

#include "stream_tts/status.h"

namespace stream_tts::kokoro {

QuantizedConv1d::QuantizedConv1d(const Param& weight, const Param* bias, size_t padding,
                                 size_t dilation, size_t stride)
    : padding_(padding), dilation_(dilation), stride_(stride) {
  const nn::onnx::Tensor& w = *weight.tensor;
  const bool int8 = w.data_type == nn::onnx::DataType::kInt8;
  if (w.dims.size() != 3 || weight.scale == nullptr || weight.zero_point == nullptr ||
      weight.scale->element_count() != 1 || weight.zero_point->element_count() != 1 ||
      (!int8 && w.data_type != nn::onnx::DataType::kUint8)) {
    throw Error(StatusCode::kDataError,
                "tensor '" + std::string(w.name) + "' is not a per-tensor quantised [out, in, k] weight");
  }
  out_ = static_cast<size_t>(w.dims[0]);
  in_ = static_cast<size_t>(w.dims[1]);
  kernel_ = static_cast<size_t>(w.dims[2]);
  if (kernel_ == 0 || dilation_ == 0 || stride_ == 0) {
    throw Error(StatusCode::kDataError, "tensor '" + std::string(w.name) + "': empty convolution");
  }
  w_scale_ = static_cast<float>(weight.scale->as_double());
  const auto zp = static_cast<int16_t>(weight.zero_point->as_double());
  const uint8_t* raw = w.bytes().data();
  std::vector<int16_t> centred(out_ * in_ * kernel_);
  for (size_t i = 0; i < centred.size(); ++i) {
    const auto v =
        int8 ? static_cast<int16_t>(static_cast<int8_t>(raw[i])) : static_cast<int16_t>(raw[i]);
    centred[i] = static_cast<int16_t>(v - zp);
  }
  if (bias != nullptr) {
    bias_ = bias->tensor->to_floats();
    if (bias_.size() != out_)
      throw Error(StatusCode::kDataError,
                  "bias '" + std::string(bias->tensor->name) + "' does not fit its weight");
  }
  init(centred);
}

QuantizedConv1d::QuantizedConv1d(size_t in, size_t out, size_t kernel,
                                 std::span<const int16_t> centred, float w_scale,
                                 std::vector<float> bias, size_t padding, size_t dilation,
                                 size_t stride)
    : in_(in), out_(out), kernel_(kernel), padding_(padding), dilation_(dilation), stride_(stride),
      w_scale_(w_scale), bias_(std::move(bias)) {
  if (centred.size() != in * out * kernel || kernel == 0 || dilation == 0 || stride == 0 ||
      (!bias_.empty() && bias_.size() != out)) {
    throw Error(StatusCode::kDataError, "convolution: shapes do not fit");
  }
  init(centred);
}

void QuantizedConv1d::init(std::span<const int16_t> centred) {
  if (int8_level() >= Int8Level::kAvx2) {
    fast_ = Int8ConvKernel({in_, out_, kernel_, stride_, padding_, dilation_}, centred,
                           int8_level(), Int8WeightLayout::kOutInTap);
    return;
  }
  // [out][in][k] -> [in·k][out]
  std::vector<int16_t> unrolled(in_ * kernel_ * out_);
  for (size_t o = 0; o < out_; ++o) {
    for (size_t c = 0; c < in_; ++c) {
      for (size_t j = 0; j < kernel_; ++j) {
        unrolled[(c * kernel_ + j) * out_ + o] = centred[(o * in_ + c) * kernel_ + j];
      }
    }
  }
  const float one = 1.0f;  // the scales are applied here, in the graph's order
  unrolled_ = QuantizedLinear(in_ * kernel_, out_, unrolled, std::span<const float>(&one, 1), {});
}

size_t QuantizedConv1d::output_steps(size_t steps) const {
  const size_t span = dilation_ * (kernel_ - 1) + 1;
  return steps + 2 * padding_ >= span ? (steps + 2 * padding_ - span) / stride_ + 1 : 0;
}

void QuantizedConv1d::forward(std::span<const float> x, size_t steps,
                              std::vector<float>* y) const {
  QuantizedActivations xq;
  dynamic_quantize_linear(x, &xq);
  forward(xq, steps, y);
}

void QuantizedConv1d::forward(const QuantizedActivations& xq, size_t steps,
                              std::vector<float>* y) const {
  if (xq.values.size() != steps * in_) {
    throw Error(StatusCode::kInvalidArgument, "convolution: the input is not [steps x channels]");
  }
  const size_t out_steps = output_steps(steps);
  const float scale = xq.scale * w_scale_;  // the graph's Mul(x_scale, w_scale)
  std::vector<int32_t> bias_q(out_, 0);
  for (size_t o = 0; o < bias_.size(); ++o) {
    bias_q[o] = static_cast<int32_t>(std::floor(bias_[o] / scale));
  }
  y->resize(out_steps * out_);
  if (!fast_.empty()) {  // the same Add → Cast → Mul, in the kernel's registers
    fast_.forward(xq.values.data(), steps, xq.zero_point, bias_q, scale, y->data());
    return;
  }
  std::vector<int32_t> acc;
  unrolled_accumulate(xq, steps, &acc);
  for (size_t t = 0; t < out_steps; ++t) {
    for (size_t o = 0; o < out_; ++o) {
      (*y)[t * out_ + o] = static_cast<float>(acc[t * out_ + o] + bias_q[o]) * scale;
    }
  }
}

void QuantizedConv1d::unrolled_accumulate(const QuantizedActivations& xq, size_t steps,
                                          std::vector<int32_t>* acc) const {
  const size_t out_steps = output_steps(steps), width = in_ * kernel_;
  // Input columns: padding taps read the zero point, so their centred value is 0.
  QuantizedActivations cols;
  cols.scale = xq.scale;
  cols.zero_point = xq.zero_point;
  cols.values.assign(out_steps * width, xq.zero_point);
  for (size_t t = 0; t < out_steps; ++t) {
    for (size_t j = 0; j < kernel_; ++j) {
      const auto src = static_cast<std::ptrdiff_t>(t * stride_ + j * dilation_) -
                       static_cast<std::ptrdiff_t>(padding_);
      if (src < 0 || src >= static_cast<std::ptrdiff_t>(steps)) continue;
      const uint8_t* row = xq.values.data() + static_cast<size_t>(src) * in_;
      uint8_t* dst = cols.values.data() + t * width + j;
      for (size_t c = 0; c < in_; ++c) dst[c * kernel_] = row[c];
    }
  }
  unrolled_.accumulate(cols, out_steps, acc);
}

void leaky_relu(std::span<float> x, float alpha) {
  for (float& v : x) v = v >= 0.0f ? v : alpha * v;
}

}  // namespace stream_tts::kokoro
