// The ONNX reader (src/nn/onnx): a model built field by field here, parsed back field by field;
// truncated and corrupt bytes rejected with messages that name the file and the problem; the
// fuzz seeds that the onnx package wrote (tools/kokoro/make_onnx_seeds.py) read as it wrote them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "kokoro_proto_writer.h"
#include "nn/onnx/onnx_file.h"
#include "nn/onnx/onnx_model.h"
#include "stream_tts/status.h"

namespace stream_tts::nn::onnx {
namespace {

using kokoro::testing::float_bytes;
using kokoro::testing::Proto;

constexpr int32_t kFloat = 1, kUint8 = 2, kInt8 = 3, kInt32 = 6, kInt64 = 7;

// A graph that uses every field the reader keeps.
Proto sample_graph() {
  Proto g;
  // Node 0: MatMulInteger with an int attribute, a float, a string, ints, floats, strings, a
  // tensor.
  Proto n0 = kokoro::testing::node("/enc/fc/MatMul_quant", "MatMulInteger",
                                   {"x_q", "w_q", "x_zp", ""}, {"y32"});
  Proto a_i, a_f, a_s, a_ints, a_floats, a_strings, a_t, a_unpacked;
  a_i.bytes(1, "axis").varint(20, 2).varint(3, static_cast<uint64_t>(int64_t{-1}));
  a_f.bytes(1, "alpha").varint(20, 1).fixed32(2, 0.25f);
  a_s.bytes(1, "mode").varint(20, 3).bytes(4, "linear");
  a_ints.bytes(1, "pads").varint(20, 7).packed_varints(8, {1, 2, -3});
  a_floats.bytes(1, "scales").varint(20, 6).packed_floats(7, {1.5f, -2.0f});
  a_strings.bytes(1, "names").varint(20, 8).bytes(9, "a").bytes(9, "bc");
  a_t.bytes(1, "value")
      .varint(20, 4)
      .message(
          5, kokoro::testing::raw_tensor("const", kInt64, {2},
                                         std::string("\x05\0\0\0\0\0\0\0\x06\0\0\0\0\0\0\0", 16)));
  a_unpacked.bytes(1, "kernel").varint(20, 7).varint(8, 3).varint(8, 4);
  n0.message(5, a_i)
      .message(5, a_f)
      .message(5, a_s)
      .message(5, a_ints)
      .message(5, a_floats)
      .message(5, a_strings)
      .message(5, a_t)
      .message(5, a_unpacked);
  n0.bytes(6, "doc strings are skipped").varint(99, 7);  // an unknown field: skipped
  g.message(1, n0);
  g.message(1,
            kokoro::testing::node("fused", "FastGelu", {"y32", "bias"}, {"out"}, "com.microsoft"));
  g.bytes(2, "sample");
  // Initializers: every way a TensorProto can hold its data.
  g.message(5, kokoro::testing::raw_tensor("w_q", kInt8, {2, 3},
                                           std::string("\x01\xff\x02\xfe\x03\xfd", 6)));
  Proto packed_float;
  packed_float.varint(1, 2).varint(2, kFloat).bytes(8, "bias").packed_floats(4, {0.5f, -1.25f});
  g.message(5, packed_float);
  Proto unpacked_float;  // one fixed32 field per element: decoded into owned storage
  unpacked_float.varint(1, 3)
      .varint(2, kFloat)
      .fixed32(4, 1.0f)
      .fixed32(4, 2.0f)
      .fixed32(4, 3.0f)
      .bytes(8, "f3");
  g.message(5, unpacked_float);
  Proto int64s;
  int64s.packed_varints(1, {2})
      .varint(2, kInt64)
      .bytes(8, "splits")
      .packed_varints(7, {-1, 1LL << 40});
  g.message(5, int64s);
  Proto int8_in_int32;  // INT8 stored as int32_data (sign-extended varints)
  int8_in_int32.varint(1, 3).varint(2, kInt8).bytes(8, "zp").packed_varints(5, {-128, 0, 127});
  g.message(5, int8_in_int32);
  g.message(5, kokoro::testing::raw_tensor("x_zp", kUint8, {}, std::string("\x80", 1)));
  g.message(5, kokoro::testing::raw_tensor("empty", kFloat, {0, 4}, ""));
  g.message(11, kokoro::testing::value_info("tokens", kInt64, {"1", "T"}));
  g.message(12, kokoro::testing::value_info("out", kFloat, {}));
  g.message(13, kokoro::testing::value_info("y32", kInt32, {"", "4"}));
  return g;
}

TEST(OnnxReader, ParsesAHandMadeModelFieldByField) {
  const std::string bytes = kokoro::testing::model(sample_graph());
  const Model m = parse_model(bytes, "sample.onnx");
  EXPECT_EQ(m.ir_version, 9);
  EXPECT_EQ(m.producer_name, "unit-test");
  EXPECT_EQ(m.producer_version, "1.0");
  ASSERT_EQ(m.opset_imports.size(), 2u);
  EXPECT_EQ(m.opset_imports[0].domain, "");
  EXPECT_EQ(m.opset_imports[0].version, 20);
  EXPECT_EQ(m.opset_imports[1].domain, "com.microsoft");

  const Graph& g = m.graph;
  EXPECT_EQ(g.name, "sample");
  ASSERT_EQ(g.nodes.size(), 2u);
  const Node& n = g.nodes[0];
  EXPECT_EQ(n.name, "/enc/fc/MatMul_quant");
  EXPECT_EQ(n.op_type, "MatMulInteger");
  EXPECT_EQ(n.domain, "");
  EXPECT_EQ(n.inputs, (std::vector<std::string_view>{"x_q", "w_q", "x_zp", ""}));
  EXPECT_EQ(n.outputs, (std::vector<std::string_view>{"y32"}));
  ASSERT_EQ(n.attributes.size(), 8u);
  EXPECT_EQ(n.attribute("axis")->type, AttributeType::kInt);
  EXPECT_EQ(n.attribute("axis")->i, -1);
  EXPECT_EQ(n.attribute("alpha")->f, 0.25f);
  EXPECT_EQ(n.attribute("mode")->s, "linear");
  EXPECT_EQ(n.attribute("pads")->ints, (std::vector<int64_t>{1, 2, -3}));
  EXPECT_EQ(n.attribute("scales")->floats, (std::vector<float>{1.5f, -2.0f}));
  EXPECT_EQ(n.attribute("names")->strings, (std::vector<std::string_view>{"a", "bc"}));
  ASSERT_EQ(n.attribute("value")->tensors.size(), 1u);
  EXPECT_EQ(n.attribute("value")->tensors[0].to_int64s(), (std::vector<int64_t>{5, 6}));
  EXPECT_EQ(n.attribute("kernel")->ints, (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(n.attribute("missing"), nullptr);
  EXPECT_EQ(g.nodes[1].domain, "com.microsoft");
  EXPECT_EQ(g.nodes[1].op_type, "FastGelu");

  ASSERT_EQ(g.initializers.size(), 7u);
  const Tensor& w = g.initializers[0];
  EXPECT_EQ(w.name, "w_q");
  EXPECT_EQ(w.data_type, DataType::kInt8);
  EXPECT_EQ(w.dims, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(w.element_count(), 6);
  EXPECT_TRUE(w.is_view());
  EXPECT_EQ(w.bytes().data(),
            reinterpret_cast<const uint8_t*>(bytes.data()) + bytes.find("\x01\xff\x02"));
  EXPECT_EQ(w.to_int64s(), (std::vector<int64_t>{1, -1, 2, -2, 3, -3}));
  EXPECT_EQ(g.initializers[1].to_floats(), (std::vector<float>{0.5f, -1.25f}));
  EXPECT_TRUE(g.initializers[1].is_view());  // packed float_data has raw_data's layout
  EXPECT_EQ(g.initializers[2].to_floats(), (std::vector<float>{1.0f, 2.0f, 3.0f}));
  EXPECT_FALSE(g.initializers[2].is_view());
  EXPECT_EQ(g.initializers[3].to_int64s(), (std::vector<int64_t>{-1, 1LL << 40}));
  EXPECT_EQ(g.initializers[4].to_int64s(), (std::vector<int64_t>{-128, 0, 127}));
  EXPECT_EQ(g.initializers[5].dims.size(), 0u);
  EXPECT_EQ(g.initializers[5].as_double(), 128.0);
  EXPECT_EQ(g.initializers[6].element_count(), 0);
  EXPECT_THROW((void)g.initializers[6].as_double(0), Error);
  EXPECT_THROW((void)w.to_floats(), Error);

  ASSERT_EQ(g.inputs.size(), 1u);
  EXPECT_EQ(g.inputs[0].name, "tokens");
  EXPECT_EQ(g.inputs[0].elem_type, DataType::kInt64);
  ASSERT_EQ(g.inputs[0].shape.size(), 2u);
  EXPECT_EQ(g.inputs[0].shape[0].value, 1);
  EXPECT_EQ(g.inputs[0].shape[1].param, "T");
  EXPECT_EQ(g.outputs[0].name, "out");
  EXPECT_TRUE(g.outputs[0].has_shape);
  EXPECT_TRUE(g.outputs[0].shape.empty());
  EXPECT_EQ(g.value_info[0].shape[0].value, -1);  // neither value nor param
  EXPECT_EQ(g.value_info[0].shape[1].value, 4);
}

TEST(OnnxReader, IndexFindsInitializersProducersAndConsumers) {
  const std::string bytes = kokoro::testing::model(sample_graph());
  const Model m = parse_model(bytes, "sample.onnx");
  const GraphIndex index(m.graph);
  ASSERT_NE(index.initializer("bias"), nullptr);
  EXPECT_EQ(index.initializer("bias")->element_count(), 2);
  EXPECT_EQ(index.initializer("nope"), nullptr);
  EXPECT_EQ(index.producer("y32"), &m.graph.nodes[0]);
  EXPECT_EQ(index.producer("x_q"), nullptr);
  ASSERT_EQ(index.consumers("y32").size(), 1u);
  EXPECT_EQ(index.consumers("y32")[0]->op_type, "FastGelu");
  EXPECT_TRUE(index.consumers("out").empty());
}

// Every proper prefix of a model is rejected (the graph is the last field, so a cut always lands
// inside it or before it), with a message naming the file.
TEST(OnnxReader, EveryTruncationIsADataErrorNamingTheFile) {
  const std::string bytes = kokoro::testing::model(sample_graph());
  for (size_t n = 0; n < bytes.size(); ++n) {
    try {
      (void)parse_model(std::string_view(bytes).substr(0, n), "cut.onnx");
      ADD_FAILURE() << "a prefix of " << n << " bytes parsed";
    } catch (const Error& e) {
      EXPECT_EQ(e.status().code(), StatusCode::kDataError);
      EXPECT_EQ(e.status().message().rfind("cut.onnx: ", 0), 0u) << e.what();
    }
  }
}

std::string error_of(const std::string& bytes) {
  try {
    (void)parse_model(bytes, "bad.onnx");
  } catch (const Error& e) {
    EXPECT_EQ(e.status().code(), StatusCode::kDataError);
    return e.status().message();
  }
  return "(parsed)";
}

std::string model_with_initializer(const Proto& tensor) {
  Proto g;
  g.message(5, tensor);
  return kokoro::testing::model(g);
}

TEST(OnnxReader, CorruptTensorsAreRejectedWithTheReason) {
  using kokoro::testing::raw_tensor;
  auto has = [](const std::string& message, const char* part) {
    return message.find(part) != std::string::npos;
  };
  std::string e =
      error_of(model_with_initializer(raw_tensor("w", kFloat, {2, 2}, float_bytes({1, 2, 3}))));
  EXPECT_TRUE(
      has(e, "bad.onnx: tensor 'w': raw_data holds 12 bytes but dims [2,2] of float32 needs 16"))
      << e;
  EXPECT_TRUE(has(e, "[graph initializer #0]")) << e;

  // Dims whose product would be a huge allocation: refused before anything is allocated.
  e = error_of(model_with_initializer(raw_tensor("big", kFloat, {1LL << 40, 1LL << 40}, "")));
  EXPECT_TRUE(has(e, "tensor 'big' has dims whose element count exceeds the file size")) << e;
  e = error_of(model_with_initializer(raw_tensor("neg", kFloat, {-3}, "")));
  EXPECT_TRUE(has(e, "negative dimension -3")) << e;

  Proto no_data;
  no_data.varint(1, 4).varint(2, kFloat).bytes(8, "nodata");
  EXPECT_TRUE(
      has(error_of(model_with_initializer(no_data)), "tensor 'nodata' has dims [4] but no data"));

  Proto external;
  external.varint(1, 4).varint(2, kFloat).bytes(8, "ext").varint(14, 1);
  EXPECT_TRUE(has(error_of(model_with_initializer(external)), "external file"));

  Proto strings;
  strings.varint(1, 1).varint(2, 8).bytes(8, "s").bytes(6, "abc");
  EXPECT_TRUE(has(error_of(model_with_initializer(strings)), "strings"));

  Proto unknown_type;
  unknown_type.varint(1, 1).varint(2, 77).bytes(8, "u").bytes(9, "x");
  EXPECT_TRUE(has(error_of(model_with_initializer(unknown_type)), "unknown data type 77"));

  Proto wrong_field;  // int64 values for a float tensor
  wrong_field.varint(1, 1).varint(2, kFloat).bytes(8, "wf").packed_varints(7, {1});
  EXPECT_TRUE(
      has(error_of(model_with_initializer(wrong_field)), "int64_data does not fit type float32"));

  Proto count_mismatch;
  count_mismatch.varint(1, 3).varint(2, kInt32).bytes(8, "cm").packed_varints(5, {1, 2});
  EXPECT_TRUE(has(error_of(model_with_initializer(count_mismatch)),
                  "int32_data holds 2 values but dims [3] needs 3"));

  Proto ragged_floats;  // packed float_data of 6 bytes
  ragged_floats.varint(1, 1).varint(2, kFloat).bytes(8, "rf").bytes(4, "abcdef");
  EXPECT_TRUE(
      has(error_of(model_with_initializer(ragged_floats)), "not a whole number of 4-byte values"));
}

TEST(OnnxReader, CorruptWireFormatIsRejectedWithTheReason) {
  auto has = [](const std::string& message, const char* part) {
    return message.find(part) != std::string::npos;
  };
  // A length that runs past the end of the file.
  Proto m;
  m.key(7, 2);
  m.raw_varint(1000);
  m.raw("short");
  std::string e = error_of(m.str());
  EXPECT_TRUE(has(
      e,
      "bad.onnx: field 7 says it has 1000 bytes but only 5 are left (truncated file?) (at byte 3)"))
      << e;
  // Wire type 3 (a group).
  EXPECT_TRUE(has(error_of(std::string("\x0b", 1)), "wire type 3"));
  // A varint of eleven bytes.
  EXPECT_TRUE(has(error_of(std::string("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12)),
                  "longer than 64 bits"));
  // Field number 0.
  EXPECT_TRUE(has(error_of(std::string("\x02\x00", 2)), "field number 0"));
  // A string field sent as a varint.
  Proto g;
  g.varint(2, 5);
  EXPECT_TRUE(has(error_of(kokoro::testing::model(g)),
                  "GraphProto.name has wire type varint, expected length-delimited"));
  // No graph at all; two graphs.
  Proto no_graph;
  no_graph.varint(1, 9);
  EXPECT_TRUE(has(error_of(no_graph.str()), "no graph"));
  Proto two;
  two.message(7, Proto()).message(7, Proto());
  EXPECT_TRUE(has(error_of(two.str()), "two graphs"));
  // Random bytes never crash (the fuzz target does this at scale).
  uint32_t state = 12345;
  for (int i = 0; i < 2000; ++i) {
    std::string junk(1 + i % 64, '\0');
    for (char& c : junk) {
      state = state * 1103515245u + 12345u;
      c = static_cast<char>(state >> 24);
    }
    try {
      (void)parse_model(junk, "junk.onnx");
    } catch (const Error& err) {
      EXPECT_EQ(err.status().code(), StatusCode::kDataError);
    }
  }
}

class TempFile {
 public:
  explicit TempFile(const std::string& contents) {
    std::string pattern = (std::filesystem::temp_directory_path() / "st-onnx-XXXXXX").string();
    const int fd = ::mkstemp(pattern.data());
    path_ = pattern;
    ::close(fd);
    std::ofstream(path_, std::ios::binary) << contents;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(OnnxFile, LoadsAMappedFileAndNamesItInErrors) {
  const TempFile good(kokoro::testing::model(sample_graph()));
  const OnnxFile f = OnnxFile::load(good.path());
  EXPECT_EQ(f.graph().initializers.size(), 7u);
  EXPECT_EQ(f.index().initializer("w_q")->to_int64s()[1], -1);

  const std::string bytes = kokoro::testing::model(sample_graph());
  const TempFile cut(bytes.substr(0, bytes.size() / 2));
  try {
    (void)OnnxFile::load(cut.path());
    ADD_FAILURE() << "a truncated file loaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.status().code(), StatusCode::kDataError);
    EXPECT_NE(e.status().message().find(cut.path() + ": "), std::string::npos) << e.what();
  }
  try {
    (void)OnnxFile::load("/nonexistent/model.onnx");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.status().code(), StatusCode::kNotFound);
    EXPECT_NE(e.status().message().find("/nonexistent/model.onnx"), std::string::npos);
  }
  const TempFile empty("");
  EXPECT_THROW((void)OnnxFile::load(empty.path()), Error);
}

// The seeds of tests/fuzz/corpus/onnx/ were written by the onnx package
// (tools/kokoro/make_onnx_seeds.py): the reader must read them as that serializer wrote them.
TEST(OnnxFile, ReadsWhatTheOnnxPackageWrote) {
  const std::string dir = std::string(STREAM_TTS_SOURCE_DIR) + "/tests/fuzz/corpus/onnx/";
  const OnnxFile f = OnnxFile::load(dir + "seed_quantized_matmul.onnx");
  EXPECT_EQ(f.model().ir_version, 9);
  EXPECT_EQ(f.model().producer_name, "make_onnx_seeds");
  const Graph& g = f.graph();
  ASSERT_EQ(g.nodes.size(), 4u);
  EXPECT_EQ(g.nodes[0].op_type, "DynamicQuantizeLinear");
  EXPECT_EQ(g.nodes[1].op_type, "MatMulInteger");
  EXPECT_EQ(g.nodes[1].name, "/enc/fc/MatMul_quant");
  EXPECT_EQ(g.nodes[3].domain, "com.microsoft");
  EXPECT_EQ(g.nodes[3].attribute("epsilon")->f, 1e-5f);
  const Tensor* w = f.index().initializer("enc.fc.weight_quantized");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->dims, (std::vector<int64_t>{4, 3}));
  EXPECT_EQ(w->to_int64s(), (std::vector<int64_t>{-6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5}));
  const Tensor* scale = f.index().initializer("enc.fc.weight_scale");
  ASSERT_NE(scale, nullptr);
  EXPECT_EQ(scale->to_floats(), (std::vector<float>{0.5f, 0.25f, 0.125f}));
  const Tensor* shape = f.index().initializer("shape");  // int64_data, not raw
  ASSERT_NE(shape, nullptr);
  EXPECT_EQ(shape->to_int64s(), (std::vector<int64_t>{1, -1, 3}));
  ASSERT_EQ(g.inputs.size(), 1u);
  EXPECT_EQ(g.inputs[0].shape[1].param, "T");
}

}  // namespace
}  // namespace stream_tts::nn::onnx
