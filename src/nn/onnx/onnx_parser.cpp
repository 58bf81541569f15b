// parse_model: ModelProto -> GraphProto -> NodeProto / TensorProto / ValueInfoProto, straight from
// the wire format (protobuf_wire.h). Field numbers are onnx.proto's (IR version 10); fields this
// reader does not need are skipped. The recursion depth is fixed (sub-graphs stay undecoded), and
// every count that sizes an allocation is bounded by the bytes that carry it.
#include <bit>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>

#include "nn/onnx/onnx_model.h"
#include "nn/onnx/protobuf_wire.h"
#include "stream_tts/status.h"

namespace stream_tts::nn::onnx {

static_assert(std::endian::native == std::endian::little,
              "ONNX tensors are little-endian; views into the file assume a little-endian host");

const char* wire_type_name(WireType type) {
  switch (type) {
    case WireType::kVarint:
      return "varint";
    case WireType::kFixed64:
      return "fixed64";
    case WireType::kLengthDelimited:
      return "length-delimited";
    case WireType::kFixed32:
      return "fixed32";
  }
  return "?";
}

namespace {

// onnx.proto field numbers.
namespace model_field {
constexpr uint32_t kIrVersion = 1, kProducerName = 2, kProducerVersion = 3, kDomain = 4,
                   kModelVersion = 5, kGraph = 7, kOpsetImport = 8;
}
namespace graph_field {
constexpr uint32_t kNode = 1, kName = 2, kInitializer = 5, kInput = 11, kOutput = 12,
                   kValueInfo = 13, kSparseInitializer = 15;
}
namespace node_field {
constexpr uint32_t kInput = 1, kOutput = 2, kName = 3, kOpType = 4, kAttribute = 5, kDomain = 7;
}
namespace attribute_field {
constexpr uint32_t kName = 1, kF = 2, kI = 3, kS = 4, kT = 5, kG = 6, kFloats = 7, kInts = 8,
                   kStrings = 9, kTensors = 10, kGraphs = 11, kType = 20;
}
namespace tensor_field {
constexpr uint32_t kDims = 1, kDataType = 2, kSegment = 3, kFloatData = 4, kInt32Data = 5,
                   kStringData = 6, kInt64Data = 7, kName = 8, kRawData = 9, kDoubleData = 10,
                   kUint64Data = 11, kExternalData = 13, kDataLocation = 14;
constexpr uint64_t kLocationExternal = 1;
}  // namespace tensor_field

class Parser {
 public:
  Parser(std::string_view file, std::string_view source) : file_(file), source_(source) {}

  Model model() {
    Model m;
    bool has_graph = false;
    WireReader r = reader(file_);
    WireField f;
    while (r.next(&f)) {
      switch (f.number) {
        case model_field::kIrVersion:
          m.ir_version = as_int(r, f, "ModelProto.ir_version");
          break;
        case model_field::kProducerName:
          m.producer_name = as_bytes(r, f, "ModelProto.producer_name");
          break;
        case model_field::kProducerVersion:
          m.producer_version = as_bytes(r, f, "ModelProto.producer_version");
          break;
        case model_field::kDomain:
          m.domain = as_bytes(r, f, "ModelProto.domain");
          break;
        case model_field::kModelVersion:
          m.model_version = as_int(r, f, "ModelProto.model_version");
          break;
        case model_field::kOpsetImport:
          m.opset_imports.push_back(opset(as_bytes(r, f, "ModelProto.opset_import")));
          break;
        case model_field::kGraph:
          // protobuf would merge two graphs; a file that has two is corrupt, not a merge.
          if (has_graph) r.fail("ModelProto has two graphs");
          has_graph = true;
          m.graph = graph(as_bytes(r, f, "ModelProto.graph"));
          break;
        default:
          break;
      }
    }
    if (!has_graph) {
      throw Error(StatusCode::kDataError,
                  std::string(source_) + ": not an ONNX model (no graph in the ModelProto)");
    }
    return m;
  }

 private:
  WireReader reader(std::string_view bytes) const {
    return WireReader(bytes, file_.data(), source_);
  }

  static void expect(const WireReader& r, const WireField& f, WireType type, const char* what) {
    if (f.type != type) {
      r.fail(std::string(what) + " has wire type " + wire_type_name(f.type) + ", expected " +
             wire_type_name(type));
    }
  }
  static std::string_view as_bytes(const WireReader& r, const WireField& f, const char* what) {
    expect(r, f, WireType::kLengthDelimited, what);
    return f.bytes;
  }
  static int64_t as_int(const WireReader& r, const WireField& f, const char* what) {
    expect(r, f, WireType::kVarint, what);
    return static_cast<int64_t>(f.varint);
  }

  // A repeated varint field, packed (one length-delimited field) or not (one varint per field).
  void append_varints(WireReader& r, const WireField& f, const char* what,
                      std::vector<uint64_t>* out) {
    if (f.type == WireType::kVarint) {
      out->push_back(f.varint);
    } else if (f.type == WireType::kLengthDelimited) {
      WireReader packed = reader(f.bytes);
      while (!packed.empty()) out->push_back(packed.varint(what));
    } else {
      r.fail(std::string(what) + " has wire type " + wire_type_name(f.type));
    }
  }
  // A repeated fixed-size field (float: 4 bytes, double: 8), packed or not: its raw bytes.
  static void append_fixed(const WireReader& r, const WireField& f, size_t size, const char* what,
                           std::vector<std::string_view>* chunks) {
    const WireType single = size == 4 ? WireType::kFixed32 : WireType::kFixed64;
    if (f.type != single && f.type != WireType::kLengthDelimited) {
      r.fail(std::string(what) + " has wire type " + wire_type_name(f.type));
    }
    if (f.bytes.size() % size != 0) {
      r.fail(std::string(what) + ": " + std::to_string(f.bytes.size()) +
             " bytes is not a whole number of " + std::to_string(size) + "-byte values");
    }
    chunks->push_back(f.bytes);
  }

  OpsetImport opset(std::string_view bytes) {
    OpsetImport o;
    WireReader r = reader(bytes);
    WireField f;
    while (r.next(&f)) {
      if (f.number == 1) o.domain = as_bytes(r, f, "OperatorSetIdProto.domain");
      if (f.number == 2) o.version = as_int(r, f, "OperatorSetIdProto.version");
    }
    return o;
  }

  Graph graph(std::string_view bytes) {
    Graph g;
    WireReader r = reader(bytes);
    WireField f;
    while (r.next(&f)) {
      switch (f.number) {
        case graph_field::kNode:
          g.nodes.push_back(with_context(g.nodes.size(), "node",
                                         [&] { return node(as_bytes(r, f, "GraphProto.node")); }));
          break;
        case graph_field::kName:
          g.name = as_bytes(r, f, "GraphProto.name");
          break;
        case graph_field::kInitializer:
          g.initializers.push_back(with_context(g.initializers.size(), "initializer", [&] {
            return tensor(as_bytes(r, f, "GraphProto.initializer"));
          }));
          break;
        case graph_field::kInput:
          g.inputs.push_back(value_info(as_bytes(r, f, "GraphProto.input")));
          break;
        case graph_field::kOutput:
          g.outputs.push_back(value_info(as_bytes(r, f, "GraphProto.output")));
          break;
        case graph_field::kValueInfo:
          g.value_info.push_back(value_info(as_bytes(r, f, "GraphProto.value_info")));
          break;
        case graph_field::kSparseInitializer:
          (void)as_bytes(r, f, "GraphProto.sparse_initializer");
          ++g.sparse_initializer_count;
          break;
        default:
          break;
      }
    }
    return g;
  }

  // Runs `parse` and, when it throws, says which node or initializer of the graph was being read.
  template <typename Fn>
  std::invoke_result_t<Fn> with_context(size_t index, const char* what, Fn&& parse) {
    try {
      return parse();
    } catch (const Error& e) {
      throw Error(StatusCode::kDataError,
                  e.status().message() + " [graph " + what + " #" + std::to_string(index) + "]");
    }
  }

  Node node(std::string_view bytes) {
    Node n;
    WireReader r = reader(bytes);
    WireField f;
    while (r.next(&f)) {
      switch (f.number) {
        case node_field::kInput:
          n.inputs.push_back(as_bytes(r, f, "NodeProto.input"));
          break;
        case node_field::kOutput:
          n.outputs.push_back(as_bytes(r, f, "NodeProto.output"));
          break;
        case node_field::kName:
          n.name = as_bytes(r, f, "NodeProto.name");
          break;
        case node_field::kOpType:
          n.op_type = as_bytes(r, f, "NodeProto.op_type");
          break;
        case node_field::kDomain:
          n.domain = as_bytes(r, f, "NodeProto.domain");
          break;
        case node_field::kAttribute:
          n.attributes.push_back(attribute(as_bytes(r, f, "NodeProto.attribute")));
          break;
        default:
          break;
      }
    }
    return n;
  }

  Attribute attribute(std::string_view bytes) {
    Attribute a;
    WireReader r = reader(bytes);
    WireField f;
    std::vector<std::string_view> float_chunks;
    std::vector<uint64_t> ints;
    while (r.next(&f)) {
      switch (f.number) {
        case attribute_field::kName:
          a.name = as_bytes(r, f, "AttributeProto.name");
          break;
        case attribute_field::kType:
          a.type =
              static_cast<AttributeType>(static_cast<int32_t>(as_int(r, f, "AttributeProto.type")));
          break;
        case attribute_field::kF:
          expect(r, f, WireType::kFixed32, "AttributeProto.f");
          a.f = load_f32(f.bytes.data());
          break;
        case attribute_field::kI:
          a.i = as_int(r, f, "AttributeProto.i");
          break;
        case attribute_field::kS:
          a.s = as_bytes(r, f, "AttributeProto.s");
          break;
        case attribute_field::kT:
        case attribute_field::kTensors:
          a.tensors.push_back(tensor(as_bytes(r, f, "AttributeProto.t")));
          break;
        case attribute_field::kG:
        case attribute_field::kGraphs:
          a.graphs.push_back(as_bytes(r, f, "AttributeProto.g"));
          break;
        case attribute_field::kFloats:
          append_fixed(r, f, 4, "AttributeProto.floats", &float_chunks);
          break;
        case attribute_field::kInts:
          append_varints(r, f, "AttributeProto.ints", &ints);
          break;
        case attribute_field::kStrings:
          a.strings.push_back(as_bytes(r, f, "AttributeProto.strings"));
          break;
        default:
          break;
      }
    }
    for (std::string_view chunk : float_chunks) {
      for (size_t i = 0; i < chunk.size(); i += 4) a.floats.push_back(load_f32(chunk.data() + i));
    }
    a.ints.assign(ints.begin(), ints.end());
    return a;
  }

  ValueInfo value_info(std::string_view bytes) {
    ValueInfo v;
    WireReader r = reader(bytes);
    WireField f;
    while (r.next(&f)) {
      if (f.number == 1) v.name = as_bytes(r, f, "ValueInfoProto.name");
      if (f.number != 2) continue;
      // TypeProto: 1 tensor_type { 1 elem_type, 2 shape { 1 dim { 1 dim_value, 2 dim_param } } }.
      WireReader type = reader(as_bytes(r, f, "ValueInfoProto.type"));
      WireField t;
      while (type.next(&t)) {
        if (t.number != 1) continue;
        WireReader tensor_type = reader(as_bytes(type, t, "TypeProto.tensor_type"));
        WireField tt;
        while (tensor_type.next(&tt)) {
          if (tt.number == 1) {
            v.elem_type = static_cast<DataType>(
                static_cast<int32_t>(as_int(tensor_type, tt, "TypeProto.Tensor.elem_type")));
          } else if (tt.number == 2) {
            v.has_shape = true;
            v.shape.clear();
            WireReader shape = reader(as_bytes(tensor_type, tt, "TypeProto.Tensor.shape"));
            WireField s;
            while (shape.next(&s)) {
              if (s.number != 1) continue;
              Dimension d;
              WireReader dim = reader(as_bytes(shape, s, "TensorShapeProto.dim"));
              WireField df;
              while (dim.next(&df)) {
                if (df.number == 1) d.value = as_int(dim, df, "Dimension.dim_value");
                if (df.number == 2) d.param = as_bytes(dim, df, "Dimension.dim_param");
              }
              v.shape.push_back(d);
            }
          }
        }
      }
    }
    return v;
  }

  Tensor tensor(std::string_view bytes) {
    Tensor t;
    WireReader r = reader(bytes);
    WireField f;
    std::vector<uint64_t> dims, int32_data, int64_data, uint64_data;
    std::vector<std::string_view> float_chunks, double_chunks;
    bool has_raw = false, external = false, has_strings = false, has_segment = false;
    std::string_view raw;
    while (r.next(&f)) {
      switch (f.number) {
        case tensor_field::kDims:
          append_varints(r, f, "TensorProto.dims", &dims);
          break;
        case tensor_field::kDataType:
          t.data_type =
              static_cast<DataType>(static_cast<int32_t>(as_int(r, f, "TensorProto.data_type")));
          break;
        case tensor_field::kSegment:
          has_segment = true;
          break;
        case tensor_field::kFloatData:
          append_fixed(r, f, 4, "TensorProto.float_data", &float_chunks);
          break;
        case tensor_field::kInt32Data:
          append_varints(r, f, "TensorProto.int32_data", &int32_data);
          break;
        case tensor_field::kStringData:
          has_strings = true;
          break;
        case tensor_field::kInt64Data:
          append_varints(r, f, "TensorProto.int64_data", &int64_data);
          break;
        case tensor_field::kName:
          t.name = as_bytes(r, f, "TensorProto.name");
          break;
        case tensor_field::kRawData:
          raw = as_bytes(r, f, "TensorProto.raw_data");
          has_raw = true;
          break;
        case tensor_field::kDoubleData:
          append_fixed(r, f, 8, "TensorProto.double_data", &double_chunks);
          break;
        case tensor_field::kUint64Data:
          append_varints(r, f, "TensorProto.uint64_data", &uint64_data);
          break;
        case tensor_field::kExternalData:
          external = true;
          break;
        case tensor_field::kDataLocation:
          external = external ||
                     as_int(r, f, "TensorProto.data_location") == tensor_field::kLocationExternal;
          break;
        default:
          break;
      }
    }
    const std::string what = "tensor '" + std::string(t.name) + "'";
    if (external)
      r.fail(what + " keeps its data in an external file, which this reader does not support");
    if (has_segment) r.fail(what + " is segmented, which this reader does not support");
    if (t.data_type == DataType::kString || has_strings)
      r.fail(what + " holds strings, which this reader does not support");
    const size_t element_size = data_type_size(t.data_type);
    if (element_size == 0)
      r.fail(what + " has unknown data type " + std::to_string(static_cast<int32_t>(t.data_type)));

    // Every dimension non-negative and the element count's byte size within the file: a count
    // read from the file never sizes an allocation before this check.
    uint64_t count = 1;
    t.dims.reserve(dims.size());
    for (uint64_t d : dims) {
      const auto dim = static_cast<int64_t>(d);
      if (dim < 0) r.fail(what + " has a negative dimension " + std::to_string(dim));
      if (dim != 0 && count > file_.size() / static_cast<uint64_t>(dim)) {
        r.fail(what + " has dims whose element count exceeds the file size");
      }
      count *= static_cast<uint64_t>(dim);
      t.dims.push_back(dim);
    }
    if (count > file_.size() / element_size)
      r.fail(what + " has more elements than the file has bytes");
    const uint64_t expected_bytes = count * element_size;
    auto size_error = [&](const char* field, uint64_t got) {
      r.fail(what + ": " + field + " holds " + std::to_string(got) + " bytes but " + shape_text(t) +
             " of " + data_type_name(t.data_type) + " needs " + std::to_string(expected_bytes));
    };
    const int sources = int(has_raw) + int(!float_chunks.empty()) + int(!double_chunks.empty()) +
                        int(!int32_data.empty()) + int(!int64_data.empty()) +
                        int(!uint64_data.empty());
    if (sources > 1) r.fail(what + " has its data in more than one field");

    if (has_raw) {
      if (raw.size() != expected_bytes) size_error("raw_data", raw.size());
      t.set_view(raw);
    } else if (!float_chunks.empty() || !double_chunks.empty()) {
      const bool is_float = !float_chunks.empty();
      const auto& chunks = is_float ? float_chunks : double_chunks;
      const bool type_ok =
          is_float ? (t.data_type == DataType::kFloat || t.data_type == DataType::kComplex64)
                   : (t.data_type == DataType::kDouble || t.data_type == DataType::kComplex128);
      if (!type_ok)
        r.fail(what + ": " + (is_float ? "float_data" : "double_data") + " does not fit type " +
               data_type_name(t.data_type));
      uint64_t total = 0;
      for (std::string_view c : chunks) total += c.size();
      if (total != expected_bytes) size_error(is_float ? "float_data" : "double_data", total);
      if (chunks.size() == 1) {
        t.set_view(chunks.front());  // packed: the same little-endian layout as raw_data
      } else {
        std::vector<uint8_t> owned;
        owned.reserve(total);
        for (std::string_view c : chunks) owned.insert(owned.end(), c.begin(), c.end());
        t.set_owned(std::move(owned));
      }
    } else if (!int32_data.empty() || !int64_data.empty() || !uint64_data.empty()) {
      const char* field = !int32_data.empty()   ? "int32_data"
                          : !int64_data.empty() ? "int64_data"
                                                : "uint64_data";
      const auto& values = !int32_data.empty()   ? int32_data
                           : !int64_data.empty() ? int64_data
                                                 : uint64_data;
      bool type_ok = false;
      switch (t.data_type) {
        case DataType::kInt32:
        case DataType::kInt16:
        case DataType::kInt8:
        case DataType::kUint16:
        case DataType::kUint8:
        case DataType::kBool:
        case DataType::kFloat16:
        case DataType::kBfloat16:
          type_ok = !int32_data.empty();
          break;
        case DataType::kInt64:
          type_ok = !int64_data.empty();
          break;
        case DataType::kUint32:
        case DataType::kUint64:
          type_ok = !uint64_data.empty();
          break;
        default:
          break;
      }
      if (!type_ok)
        r.fail(what + ": " + field + " does not fit type " + data_type_name(t.data_type));
      if (values.size() != count) {
        r.fail(what + ": " + field + " holds " + std::to_string(values.size()) + " values but " +
               shape_text(t) + " needs " + std::to_string(count));
      }
      std::vector<uint8_t> owned(expected_bytes);
      for (size_t i = 0; i < values.size(); ++i) {
        for (size_t b = 0; b < element_size; ++b)
          owned[i * element_size + b] = static_cast<uint8_t>(values[i] >> (8 * b));
      }
      t.set_owned(std::move(owned));
    } else if (count != 0) {
      r.fail(what + " has " + shape_text(t) + " but no data");
    }
    return t;
  }

  static std::string shape_text(const Tensor& t) {
    std::string s = "dims [";
    for (size_t i = 0; i < t.dims.size(); ++i) {
      if (i > 0) s += ',';
      s += std::to_string(t.dims[i]);
    }
    return s + "]";
  }

  std::string_view file_;
  std::string_view source_;
};

}  // namespace

Model parse_model(std::string_view bytes, std::string_view source) {
  return Parser(bytes, source).model();
}

}  // namespace stream_tts::nn::onnx
