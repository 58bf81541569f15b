// An ONNX model as read from its protobuf bytes: the graph's nodes, initializers and value infos,
// and the model's opset imports. Only the fields an inference engine of our own needs are kept
// (onnx.proto field numbers in onnx_parser.cpp); unknown fields are skipped, as protobuf does.
//
// Lifetime: every std::string_view and tensor view points into the bytes that were parsed (the
// mapped file of an OnnxFile). A Model must not outlive them. Read-only after parsing; any number
// of threads may read it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace stream_tts::nn::onnx {

// TensorProto.DataType.
enum class DataType : int32_t {
  kUndefined = 0,
  kFloat = 1,
  kUint8 = 2,
  kInt8 = 3,
  kUint16 = 4,
  kInt16 = 5,
  kInt32 = 6,
  kInt64 = 7,
  kString = 8,
  kBool = 9,
  kFloat16 = 10,
  kDouble = 11,
  kUint32 = 12,
  kUint64 = 13,
  kComplex64 = 14,
  kComplex128 = 15,
  kBfloat16 = 16,
};

// "float32", "uint8", ... ("type 17" for types this reader does not know).
std::string data_type_name(DataType type);
// Bytes per element; 0 for strings and unknown types.
size_t data_type_size(DataType type);

// An initializer or a tensor attribute. Its elements are little-endian, data_type_size() bytes
// each, in row-major order: a view into the file when the tensor stores them as raw_data (or as
// packed float/double data, which has the same layout), otherwise decoded once into storage the
// Tensor owns (int32_data, int64_data and uint64_data are varint-encoded).
class Tensor {
 public:
  std::string_view name;
  DataType data_type = DataType::kUndefined;
  std::vector<int64_t> dims;  // empty for a scalar

  // The product of dims (1 for a scalar). Checked at parse time against the data's size.
  int64_t element_count() const;
  // The element bytes: a view valid as long as the parsed bytes (and this Tensor) live.
  std::span<const uint8_t> bytes() const;
  // True when bytes() points into the parsed file rather than into storage this Tensor owns.
  bool is_view() const { return owned_.empty(); }

  // Element i converted to double (any numeric type; index checked: throws Error(kInvalidArgument)
  // past the end or for strings). For quantisation scales and zero points, shapes and the like.
  double as_double(size_t i = 0) const;
  // All elements as float32 (float tensors only, else Error(kInvalidArgument)): a copy, aligned.
  std::vector<float> to_floats() const;
  // All elements as int64 (any integer type, else Error(kInvalidArgument)).
  std::vector<int64_t> to_int64s() const;

  // Used by the parser.
  void set_view(std::string_view bytes) {
    view_ = bytes;
    owned_.clear();
  }
  void set_owned(std::vector<uint8_t> bytes) {
    owned_ = std::move(bytes);
    view_ = {};
  }

 private:
  std::string_view view_;
  std::vector<uint8_t> owned_;
};

// AttributeProto.AttributeType.
enum class AttributeType : int32_t {
  kUndefined = 0,
  kFloat = 1,
  kInt = 2,
  kString = 3,
  kTensor = 4,
  kGraph = 5,
  kFloats = 6,
  kInts = 7,
  kStrings = 8,
  kTensors = 9,
  kGraphs = 10,
  kSparseTensor = 11,
  kSparseTensors = 12,
  kTypeProto = 13,
  kTypeProtos = 14,
};

struct Attribute {
  std::string_view name;
  AttributeType type = AttributeType::kUndefined;
  float f = 0;
  int64_t i = 0;
  std::string_view s;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::vector<std::string_view> strings;
  std::vector<Tensor> tensors;  // t (one) or tensors
  // Sub-graphs (If, Loop, Scan) are kept as their undecoded GraphProto bytes: nothing here runs
  // them, and not recursing keeps the parser's depth fixed whatever the file says.
  std::vector<std::string_view> graphs;
};

struct Node {
  std::string_view name;
  std::string_view op_type;
  std::string_view domain;  // "" (or "ai.onnx") for standard operators, "com.microsoft", ...
  std::vector<std::string_view> inputs;  // "" marks an omitted optional input
  std::vector<std::string_view> outputs;
  std::vector<Attribute> attributes;

  const Attribute* attribute(std::string_view attribute_name) const;
};

// A dimension of a value's shape: a number, a symbolic name, or unknown (neither).
struct Dimension {
  int64_t value = -1;  // -1 when not a number
  std::string_view param;
};

struct ValueInfo {
  std::string_view name;
  DataType elem_type = DataType::kUndefined;  // for tensor types; kUndefined otherwise
  bool has_shape = false;
  std::vector<Dimension> shape;
};

struct Graph {
  std::string_view name;
  std::vector<Node> nodes;
  std::vector<Tensor> initializers;
  std::vector<ValueInfo> inputs;
  std::vector<ValueInfo> outputs;
  std::vector<ValueInfo> value_info;
  size_t sparse_initializer_count = 0;  // not decoded; an engine that needs them says so
};

struct OpsetImport {
  std::string_view domain;
  int64_t version = 0;
};

struct Model {
  int64_t ir_version = 0;
  std::string_view producer_name;
  std::string_view producer_version;
  std::string_view domain;
  int64_t model_version = 0;
  std::vector<OpsetImport> opset_imports;
  Graph graph;
};

// Parses a ModelProto. `source` names the bytes in errors (a path). Throws Error(kDataError) naming
// the source, what is wrong and the byte offset when the bytes are not a well-formed ModelProto
// (truncated, corrupt, a tensor whose data does not match its dims, external data, no graph).
// Never allocates more than a small multiple of bytes.size().
Model parse_model(std::string_view bytes, std::string_view source);

}  // namespace stream_tts::nn::onnx
