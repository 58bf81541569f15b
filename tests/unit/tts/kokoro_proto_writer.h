// A protobuf writer for tests: builds ONNX ModelProto bytes field by field, so that the reader is
// tested against bytes whose every field the test chose (and can break on purpose).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace stream_tts::kokoro::testing {

class Proto {
 public:
  Proto& varint(uint32_t field, uint64_t v) {
    key(field, 0);
    raw_varint(v);
    return *this;
  }
  Proto& bytes(uint32_t field, std::string_view b) {
    key(field, 2);
    raw_varint(b.size());
    out_.append(b);
    return *this;
  }
  Proto& message(uint32_t field, const Proto& m) { return bytes(field, m.str()); }
  Proto& fixed32(uint32_t field, float f) {
    key(field, 5);
    char b[4];
    std::memcpy(b, &f, 4);
    out_.append(b, 4);
    return *this;
  }
  Proto& packed_floats(uint32_t field, const std::vector<float>& v) {
    std::string b(v.size() * 4, '\0');
    if (!v.empty()) std::memcpy(b.data(), v.data(), b.size());
    return bytes(field, b);
  }
  Proto& packed_varints(uint32_t field, const std::vector<int64_t>& v) {
    Proto p;
    for (int64_t x : v) p.raw_varint(static_cast<uint64_t>(x));
    return bytes(field, p.str());
  }
  Proto& raw(std::string_view b) {
    out_.append(b);
    return *this;
  }
  const std::string& str() const { return out_; }

  void key(uint32_t field, uint32_t wire) {
    raw_varint((static_cast<uint64_t>(field) << 3) | wire);
  }
  void raw_varint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7F) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }

 private:
  std::string out_;
};

// TensorProto with raw_data.
inline Proto raw_tensor(std::string_view name, int32_t data_type, const std::vector<int64_t>& dims,
                        std::string_view raw) {
  Proto t;
  for (int64_t d : dims) t.varint(1, static_cast<uint64_t>(d));
  t.varint(2, static_cast<uint64_t>(data_type)).bytes(8, name).bytes(9, raw);
  return t;
}

inline std::string float_bytes(const std::vector<float>& v) {
  std::string b(v.size() * 4, '\0');
  if (!v.empty()) std::memcpy(b.data(), v.data(), b.size());
  return b;
}

// NodeProto.
inline Proto node(std::string_view name, std::string_view op,
                  const std::vector<std::string>& inputs, const std::vector<std::string>& outputs,
                  std::string_view domain = {}) {
  Proto n;
  for (const auto& i : inputs) n.bytes(1, i);
  for (const auto& o : outputs) n.bytes(2, o);
  n.bytes(3, name).bytes(4, op);
  if (!domain.empty()) n.bytes(7, domain);
  return n;
}

// ValueInfoProto of a tensor: dims >= 0 are dim_value, "" marks none; a name gives dim_param.
inline Proto value_info(std::string_view name, int32_t elem_type,
                        const std::vector<std::string>& dims) {
  Proto shape;
  for (const auto& d : dims) {
    Proto dim;
    if (!d.empty() && (d[0] >= '0' && d[0] <= '9')) {
      dim.varint(1, std::stoull(d));
    } else if (!d.empty()) {
      dim.bytes(2, d);
    }
    shape.message(1, dim);
  }
  Proto tensor_type;
  tensor_type.varint(1, static_cast<uint64_t>(elem_type)).message(2, shape);
  Proto type;
  type.message(1, tensor_type);
  Proto v;
  v.bytes(1, name).message(2, type);
  return v;
}

// A ModelProto around `graph`, the graph field last (so that every proper prefix is truncated).
inline std::string model(const Proto& graph) {
  Proto opset1, opset2;
  opset1.bytes(1, "").varint(2, 20);
  opset2.bytes(1, "com.microsoft").varint(2, 1);
  Proto m;
  m.varint(1, 9).bytes(2, "unit-test").bytes(3, "1.0").message(8, opset1).message(8, opset2);
  m.message(7, graph);
  return m.str();
}

}  // namespace stream_tts::kokoro::testing
