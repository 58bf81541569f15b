#include "nn/onnx/onnx_model.h"

#include <cstring>
#include <string>

#include "nn/onnx/protobuf_wire.h"
#include "stream_tts/status.h"

namespace stream_tts::nn::onnx {

std::string data_type_name(DataType type) {
  switch (type) {
    case DataType::kUndefined:
      return "undefined";
    case DataType::kFloat:
      return "float32";
    case DataType::kUint8:
      return "uint8";
    case DataType::kInt8:
      return "int8";
    case DataType::kUint16:
      return "uint16";
    case DataType::kInt16:
      return "int16";
    case DataType::kInt32:
      return "int32";
    case DataType::kInt64:
      return "int64";
    case DataType::kString:
      return "string";
    case DataType::kBool:
      return "bool";
    case DataType::kFloat16:
      return "float16";
    case DataType::kDouble:
      return "float64";
    case DataType::kUint32:
      return "uint32";
    case DataType::kUint64:
      return "uint64";
    case DataType::kComplex64:
      return "complex64";
    case DataType::kComplex128:
      return "complex128";
    case DataType::kBfloat16:
      return "bfloat16";
  }
  return "type " + std::to_string(static_cast<int32_t>(type));
}

size_t data_type_size(DataType type) {
  switch (type) {
    case DataType::kUint8:
    case DataType::kInt8:
    case DataType::kBool:
      return 1;
    case DataType::kUint16:
    case DataType::kInt16:
    case DataType::kFloat16:
    case DataType::kBfloat16:
      return 2;
    case DataType::kFloat:
    case DataType::kInt32:
    case DataType::kUint32:
      return 4;
    case DataType::kInt64:
    case DataType::kDouble:
    case DataType::kUint64:
    case DataType::kComplex64:
      return 8;
    case DataType::kComplex128:
      return 16;
    default:
      return 0;
  }
}

int64_t Tensor::element_count() const {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;  // checked against the data's size when parsed
  return n;
}

std::span<const uint8_t> Tensor::bytes() const {
  if (!owned_.empty()) return {owned_.data(), owned_.size()};
  return {reinterpret_cast<const uint8_t*>(view_.data()), view_.size()};
}

double Tensor::as_double(size_t i) const {
  const size_t size = data_type_size(data_type);
  const auto b = bytes();
  if (size == 0 || (i + 1) * size > b.size()) {
    throw Error(StatusCode::kInvalidArgument, "tensor '" + std::string(name) + "': element " +
                                                  std::to_string(i) + " of " +
                                                  data_type_name(data_type) + " is not there");
  }
  const auto* p = reinterpret_cast<const char*>(b.data() + i * size);
  auto load = [p](auto v) {
    std::memcpy(&v, p, sizeof v);
    return static_cast<double>(v);
  };
  switch (data_type) {
    case DataType::kFloat:
      return load(float{});
    case DataType::kDouble:
      return load(double{});
    case DataType::kUint8:
    case DataType::kBool:
      return load(uint8_t{});
    case DataType::kInt8:
      return load(int8_t{});
    case DataType::kUint16:
      return load(uint16_t{});
    case DataType::kInt16:
      return load(int16_t{});
    case DataType::kInt32:
      return load(int32_t{});
    case DataType::kUint32:
      return load(uint32_t{});
    case DataType::kInt64:
      return load(int64_t{});
    case DataType::kUint64:
      return load(uint64_t{});
    default:
      throw Error(StatusCode::kInvalidArgument, "tensor '" + std::string(name) +
                                                    "': " + data_type_name(data_type) +
                                                    " is not a plain number type");
  }
}

std::vector<float> Tensor::to_floats() const {
  if (data_type != DataType::kFloat) {
    throw Error(StatusCode::kInvalidArgument, "tensor '" + std::string(name) + "' is " +
                                                  data_type_name(data_type) + ", not float32");
  }
  const auto b = bytes();
  std::vector<float> out(b.size() / sizeof(float));
  if (!out.empty()) std::memcpy(out.data(), b.data(), out.size() * sizeof(float));
  return out;
}

std::vector<int64_t> Tensor::to_int64s() const {
  switch (data_type) {
    case DataType::kUint8:
    case DataType::kInt8:
    case DataType::kBool:
    case DataType::kUint16:
    case DataType::kInt16:
    case DataType::kInt32:
    case DataType::kUint32:
    case DataType::kInt64:
    case DataType::kUint64:
      break;
    default:
      throw Error(StatusCode::kInvalidArgument, "tensor '" + std::string(name) + "' is " +
                                                    data_type_name(data_type) +
                                                    ", not an integer type");
  }
  std::vector<int64_t> out(static_cast<size_t>(element_count()));
  for (size_t i = 0; i < out.size(); ++i) {
    if (data_type == DataType::kInt64 || data_type == DataType::kUint64) {
      std::memcpy(&out[i], bytes().data() + i * 8, 8);  // exact, where double would round
    } else {
      out[i] = static_cast<int64_t>(as_double(i));
    }
  }
  return out;
}

const Attribute* Node::attribute(std::string_view attribute_name) const {
  for (const Attribute& a : attributes) {
    if (a.name == attribute_name) return &a;
  }
  return nullptr;
}

}  // namespace stream_tts::nn::onnx
