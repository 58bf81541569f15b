// Kokoro's weights mapped onto its modules (src/tts/kokoro/kokoro_weights.h): the rules on a small
// graph built here in the shapes ONNX Runtime's quantiser writes, then the real installed model
// (skipped, saying how to install it, when it is not there; ./test.sh installs it).
#include "tts/kokoro/kokoro_weights.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "kokoro_proto_writer.h"
#include "models/model_store.h"
#include "stream_tts/status.h"

namespace stream_tts::kokoro {
namespace {

using testing::float_bytes;
using testing::node;
using testing::Proto;
using testing::raw_tensor;

constexpr int32_t kFloat = 1, kUint8 = 2, kInt8 = 3, kInt64 = 7;

TEST(KokoroScopes, NodeScopesBecomeModulePaths) {
  EXPECT_EQ(module_of_scope("/encoder/text_encoder/cnn.1/cnn.1.0/Conv_quant"),
            "encoder.text_encoder.cnn.1.0");
  EXPECT_EQ(module_of_scope("/encoder/bert/encoder/albert_layer_groups.0/albert_layers.0/attention/"
                            "query_3/MatMul_quant"),
            "encoder.bert.encoder.albert_layer_groups.0.albert_layers.0.attention.query");
  EXPECT_EQ(
      module_of_scope(
          "/encoder/bert/encoder/albert_layer_groups.0/albert_layers.0/ffn_output_11/MatMul_quant"),
      "encoder.bert.encoder.albert_layer_groups.0.albert_layers.0.ffn_output");
  EXPECT_EQ(module_of_scope("/encoder/F0.1/pool/ConvTranspose"), "encoder.predictor.F0.1.pool");
  EXPECT_EQ(module_of_scope("/encoder/shared/LSTM_quant"), "encoder.predictor.shared");
  EXPECT_EQ(module_of_scope("/encoder/N_proj/Conv_quant"), "encoder.predictor.N_proj");
  EXPECT_EQ(module_of_scope("/decoder/decoder/generator/resblocks.4/adain2.2/fc/Gemm_MatMul_quant"),
            "decoder.decoder.generator.resblocks.4.adain2.2.fc");
  EXPECT_EQ(module_of_scope("FastGelu_token_144"), "");
  EXPECT_EQ(module_of_scope(""), "");
}

TEST(KokoroScopes, ModulesBelongToComponents) {
  EXPECT_EQ(kokoro_component("encoder.bert.embeddings.word_embeddings"), "bert");
  EXPECT_EQ(kokoro_component("encoder.bert_encoder"), "bert_encoder");
  EXPECT_EQ(kokoro_component("encoder.text_encoder.lstm"), "text_encoder");
  EXPECT_EQ(kokoro_component("encoder.predictor.text_encoder.lstms.0"), "predictor.text_encoder");
  EXPECT_EQ(kokoro_component("encoder.predictor.lstm"), "predictor.duration");
  EXPECT_EQ(kokoro_component("encoder.predictor.shared"), "predictor.shared");
  EXPECT_EQ(kokoro_component("encoder.predictor.N_proj"), "predictor.F0N");
  EXPECT_EQ(kokoro_component("decoder.decoder.decode.3.pool"), "decoder");
  EXPECT_EQ(kokoro_component("decoder.decoder.generator.ups.0"), "generator");
  EXPECT_EQ(kokoro_component("something.else"), "");
}

std::string write_temp(const std::string& contents) {
  std::string pattern = (std::filesystem::temp_directory_path() / "st-kokoro-XXXXXX").string();
  const int fd = ::mkstemp(pattern.data());
  ::close(fd);
  std::ofstream(pattern, std::ios::binary) << contents;
  return pattern;
}

// What ORT's dynamic quantiser writes for a Linear, an LSTM and a Conv with bias.
std::string small_quantised_graph() {
  Proto g;
  g.message(1, node("/encoder/bert_encoder/x_quant", "DynamicQuantizeLinear", {"x"},
                    {"x_q", "x_s", "x_zp"}));
  g.message(1, node("/encoder/bert_encoder/MatMul_quant", "MatMulInteger",
                    {"x_q", "onnx::MatMul_1_quantized", "x_zp", "shared_zero_point"}, {"y32"}));
  g.message(1, node("/encoder/bert_encoder/cast", "Cast", {"y32"}, {"yc"}));
  g.message(1, node("/encoder/bert_encoder/MatMul_quant_scales_mul", "Mul",
                    {"x_s", "onnx::MatMul_1_scale"}, {"sc"}));
  g.message(
      1, node("/encoder/bert_encoder/MatMul_quant_output_scale_mul", "Mul", {"yc", "sc"}, {"y"}));
  g.message(1, node("/encoder/bert_encoder/Add", "Add", {"encoder.bert_encoder.bias", "y"}, {"h"}));
  g.message(1, node("/encoder/shared/LSTM_quant", "DynamicQuantizeLSTM",
                    {"h", "onnx::LSTM_2_quantized", "onnx::LSTM_3_quantized", "onnx::LSTM_1", "",
                     "", "", "", "onnx::LSTM_2_scale", "lstm_zp", "onnx::LSTM_3_scale", "lstm_zp"},
                    {"l"}, "com.microsoft"));
  g.message(1, node("/encoder/F0.1/conv1/Conv_quant", "ConvInteger",
                    {"l_q", "/encoder/F0.1/Mul_output_0_quantized", "l_zp", "shared_zero_point"},
                    {"c32"}));
  g.message(1, node("encoder.predictor.F0.1.conv1.bias_scale_node", "Mul",
                    {"l_s", "/encoder/F0.1/Mul_output_0_scale"}, {"bs"}));
  g.message(1, node("encoder.predictor.F0.1.conv1.bias_tmp_quant", "Div",
                    {"encoder.predictor.F0.1.conv1.bias", "bs"}, {"bq"}));
  g.message(1, node("bias_add", "Add", {"c32", "bq"}, {"cb"}));
  g.message(1, node("/encoder/F0.1/conv1/cast", "Cast", {"cb"}, {"cf"}));
  g.message(1, node("/encoder/F0.1/conv1/Conv_quant_output_scale_mul", "Mul", {"cf", "bs"}, {"c"}));
  g.message(
      1, node("/encoder/bert/Reshape", "Reshape", {"c", "/encoder/bert/Constant_output_0"}, {"r"}));
  g.message(5, raw_tensor("onnx::MatMul_1_quantized", kInt8, {2, 3}, std::string(6, '\x01')));
  g.message(5, raw_tensor("onnx::MatMul_1_scale", kFloat, {3}, float_bytes({0.1f, 0.2f, 0.3f})));
  g.message(5, raw_tensor("shared_zero_point", kUint8, {}, std::string(1, '\0')));
  g.message(5, raw_tensor("encoder.bert_encoder.bias", kFloat, {3}, float_bytes({1, 2, 3})));
  g.message(5, raw_tensor("onnx::LSTM_2_quantized", kInt8, {2, 3, 8}, std::string(48, '\x02')));
  g.message(5, raw_tensor("onnx::LSTM_3_quantized", kInt8, {2, 2, 8}, std::string(32, '\x03')));
  g.message(5, raw_tensor("onnx::LSTM_1", kFloat, {2, 16}, std::string(128, '\0')));
  g.message(5, raw_tensor("onnx::LSTM_2_scale", kFloat, {2}, float_bytes({0.5f, 0.25f})));
  g.message(5, raw_tensor("onnx::LSTM_3_scale", kFloat, {2}, float_bytes({0.5f, 0.25f})));
  g.message(5, raw_tensor("lstm_zp", kInt8, {2}, std::string(2, '\0')));
  g.message(5, raw_tensor("/encoder/F0.1/Mul_output_0_quantized", kUint8, {4, 2, 3},
                          std::string(24, '\x80')));
  g.message(5, raw_tensor("/encoder/F0.1/Mul_output_0_scale", kFloat, {}, float_bytes({0.01f})));
  g.message(
      5, raw_tensor("encoder.predictor.F0.1.conv1.bias", kFloat, {4}, float_bytes({0, 0, 0, 0})));
  g.message(5, raw_tensor("/encoder/bert/Constant_output_0", kInt64, {1}, std::string(8, '\0')));
  return testing::model(g);
}

TEST(KokoroWeightsMapping, FindsWeightsScalesAndZeroPointsThroughTheGraph) {
  const std::string path = write_temp(small_quantised_graph());
  auto file = std::make_unique<nn::onnx::OnnxFile>(nn::onnx::OnnxFile::load(path));
  std::remove(path.c_str());
  const KokoroWeights w = KokoroWeights::map(std::move(file), false);

  const Module* linear = w.module("encoder.bert_encoder");
  ASSERT_NE(linear, nullptr);
  EXPECT_EQ(linear->component, "bert_encoder");
  const Param* weight = linear->param("weight");
  ASSERT_NE(weight, nullptr);
  EXPECT_EQ(weight->tensor->name, "onnx::MatMul_1_quantized");
  EXPECT_EQ(weight->use, WeightUse::kMatMulInteger);
  ASSERT_NE(weight->scale, nullptr);
  EXPECT_EQ(weight->scale->name, "onnx::MatMul_1_scale");  // traced through Cast and the Mul pair
  EXPECT_EQ(weight->zero_point->name, "shared_zero_point");
  ASSERT_NE(linear->param("bias"), nullptr);

  const Module* lstm = w.module("encoder.predictor.shared");  // scoped /encoder/shared in the graph
  ASSERT_NE(lstm, nullptr);
  EXPECT_EQ(lstm->param("W")->tensor->dims, (std::vector<int64_t>{2, 3, 8}));
  EXPECT_EQ(lstm->param("W")->scale->name, "onnx::LSTM_2_scale");
  EXPECT_EQ(lstm->param("R")->zero_point->name, "lstm_zp");
  EXPECT_EQ(lstm->param("B")->tensor->name, "onnx::LSTM_1");
  EXPECT_EQ(lstm->param("B")->scale, nullptr);

  const Module* conv = w.module("encoder.predictor.F0.1.conv1");
  ASSERT_NE(conv, nullptr);
  EXPECT_EQ(conv->param("weight")->use, WeightUse::kConvInteger);
  EXPECT_EQ(conv->param("weight")->scale->name,
            "/encoder/F0.1/Mul_output_0_scale");  // through the bias add
  ASSERT_NE(conv->param("bias"), nullptr);
  EXPECT_EQ(conv->param("bias")->tensor->name, "encoder.predictor.F0.1.conv1.bias");

  ASSERT_EQ(w.constants().size(), 1u);
  EXPECT_EQ(w.constants()[0].scope, "encoder.bert");
  EXPECT_EQ(w.op_counts().at("com.microsoft:DynamicQuantizeLSTM"), 1);
  EXPECT_EQ(w.op_counts().at("Mul"), 4);
  EXPECT_FALSE(w.missing_modules().empty());

  // As a Kokoro model it is incomplete: load()'s check says so, naming the file.
  const std::string again = write_temp(small_quantised_graph());
  try {
    (void)KokoroWeights::load(again);
    ADD_FAILURE() << "an incomplete graph loaded as Kokoro";
  } catch (const Error& e) {
    EXPECT_EQ(e.status().code(), StatusCode::kDataError);
    EXPECT_NE(e.status().message().find("not the Kokoro-82M graph"), std::string::npos) << e.what();
  }
  std::remove(again.c_str());
}

TEST(KokoroWeightsMapping, AQuantisedWeightWithoutScaleIsAnError) {
  Proto g;
  g.message(1, node("/encoder/bert_encoder/MatMul_quant", "MatMulInteger",
                    {"x_q", "w", "x_zp", "zp"}, {"y32"}));
  g.message(5, raw_tensor("w", kInt8, {1}, std::string(1, '\0')));
  g.message(5, raw_tensor("zp", kInt8, {}, std::string(1, '\0')));
  const std::string path = write_temp(testing::model(g));
  auto file = std::make_unique<nn::onnx::OnnxFile>(nn::onnx::OnnxFile::load(path));
  std::remove(path.c_str());
  EXPECT_THROW((void)KokoroWeights::map(std::move(file), false), Error);
}

// --- the real model -----------------------------------------------------------------------------

std::string installed_kokoro_onnx() {
  try {
    return models::resolve_model("kokoro-ja").string() + "/kokoro-v1.0.int8.onnx";
  } catch (const std::exception&) {
    return "";
  }
}

class KokoroRealModel : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string path = installed_kokoro_onnx();
    if (!path.empty() && std::filesystem::exists(path))
      weights_ = new KokoroWeights(KokoroWeights::load(path));
  }
  static void TearDownTestSuite() {
    delete weights_;
    weights_ = nullptr;
  }
  void SetUp() override {
    if (weights_ == nullptr)
      GTEST_SKIP() << "needs the kokoro-ja model: stream-tts models install kokoro-ja";
  }
  static KokoroWeights* weights_;
};
KokoroWeights* KokoroRealModel::weights_ = nullptr;

TEST_F(KokoroRealModel, GraphAsTheOnnxPackageReadsIt) {
  const nn::onnx::Model& m = weights_->file().model();
  EXPECT_EQ(m.ir_version, 9);
  EXPECT_EQ(m.producer_name, "onnx.quantize");
  EXPECT_EQ(weights_->file().graph().nodes.size(), 3614u);
  EXPECT_EQ(weights_->file().graph().initializers.size(), 775u);
  EXPECT_EQ(weights_->file().graph().value_info.size(), 3977u);
  ASSERT_EQ(weights_->file().graph().inputs.size(), 3u);
  EXPECT_EQ(weights_->file().graph().inputs[0].name, "tokens");
  EXPECT_EQ(weights_->file().graph().inputs[0].elem_type, nn::onnx::DataType::kInt64);
  EXPECT_EQ(weights_->file().graph().inputs[1].name, "style");
  EXPECT_EQ(weights_->file().graph().inputs[2].name, "speed");
  ASSERT_EQ(weights_->file().graph().outputs.size(), 1u);
  EXPECT_EQ(weights_->file().graph().outputs[0].name, "audio");
  const auto& ops = weights_->op_counts();
  EXPECT_EQ(ops.at("MatMulInteger"), 148);
  EXPECT_EQ(ops.at("ConvInteger"), 87);
  EXPECT_EQ(ops.at("DynamicQuantizeLinear"), 139);
  EXPECT_EQ(ops.at("com.microsoft:DynamicQuantizeLSTM"), 6);
  EXPECT_EQ(ops.at("com.microsoft:SkipLayerNormalization"), 12);
  EXPECT_EQ(ops.at("com.microsoft:FastGelu"), 12);
  EXPECT_EQ(ops.at("ConvTranspose"), 6);
  EXPECT_EQ(ops.at("STFT"), 1);
  EXPECT_EQ(ops.size(), 56u);  // op types (docs/kokoro.md lists them)
}

TEST_F(KokoroRealModel, EveryModuleIsFoundWithItsQuantisation) {
  EXPECT_EQ(weights_->missing_modules(), std::vector<std::string>{});
  EXPECT_EQ(weights_->modules().size(), 201u);
  int64_t parameters = 0;
  std::set<const nn::onnx::Tensor*> accounted;
  for (const Module& m : weights_->modules()) {
    EXPECT_FALSE(m.component.empty()) << m.name;
    for (const Param& p : m.params) {
      parameters += p.tensor->element_count();
      accounted.insert(p.tensor);
      const bool quantised = p.tensor->data_type == nn::onnx::DataType::kInt8 ||
                             p.tensor->data_type == nn::onnx::DataType::kUint8;
      EXPECT_EQ(quantised, p.scale != nullptr) << m.name << " " << p.role;
      if (p.scale == nullptr) continue;
      EXPECT_EQ(p.scale->data_type, nn::onnx::DataType::kFloat) << m.name;
      ASSERT_NE(p.zero_point, nullptr) << m.name;
      EXPECT_EQ(p.zero_point->data_type, p.tensor->data_type) << m.name;
      EXPECT_GT(p.scale->as_double(), 0.0) << m.name;
      accounted.insert(p.scale);
      accounted.insert(p.zero_point);
    }
  }
  for (const GraphConstant& c : weights_->constants()) accounted.insert(c.tensor);
  EXPECT_EQ(accounted.size(),
            775u);  // every initializer is a parameter, a quantisation parameter or a constant
  EXPECT_EQ(parameters, 81141124);  // MODELS.md: 81.2 M
}

TEST_F(KokoroRealModel, KnownShapes) {
  auto shape = [](const char* module, const char* role) {
    const Module* m = weights_->module(module);
    if (m == nullptr || m->param(role) == nullptr) return std::vector<int64_t>{-1};
    return m->param(role)->tensor->dims;
  };
  using V = std::vector<int64_t>;
  EXPECT_EQ(shape("encoder.bert.embeddings.word_embeddings", "weight"), (V{178, 128}));
  EXPECT_EQ(shape("encoder.bert.encoder.albert_layer_groups.0.albert_layers.0.ffn", "weight"),
            (V{768, 2048}));
  EXPECT_EQ(shape("encoder.bert_encoder", "weight"), (V{768, 512}));
  EXPECT_EQ(shape("encoder.text_encoder.cnn.2.0", "weight"), (V{512, 512, 5}));
  EXPECT_EQ(shape("encoder.text_encoder.lstm", "W"), (V{2, 512, 1024}));
  EXPECT_EQ(shape("encoder.predictor.lstm", "W"), (V{2, 640, 1024}));
  EXPECT_EQ(shape("encoder.predictor.duration_proj.linear_layer", "weight"), (V{512, 50}));
  EXPECT_EQ(shape("encoder.predictor.F0.1.pool", "weight"), (V{512, 1, 3}));
  EXPECT_EQ(shape("decoder.decoder.decode.0.conv1", "weight"), (V{1024, 1090, 3}));
  EXPECT_EQ(shape("decoder.decoder.generator.ups.0", "weight"), (V{512, 256, 20}));
  EXPECT_EQ(shape("decoder.decoder.generator.resblocks.2.convs1.0", "weight"), (V{256, 256, 11}));
  EXPECT_EQ(shape("decoder.decoder.generator.resblocks.0", "alpha1.0"), (V{1, 256, 1}));
  EXPECT_EQ(shape("decoder.decoder.generator.m_source.l_linear", "weight"), (V{9, 1}));
  EXPECT_EQ(shape("decoder.decoder.generator.conv_post", "weight"), (V{22, 128, 7}));
  // The shared ALBERT layer's weights are read by each of the 12 passes.
  EXPECT_EQ(
      weights_->module("encoder.bert.encoder.albert_layer_groups.0.albert_layers.0.attention.query")
          ->param("weight")
          ->uses,
      12);
  // Per-column scales of MatMulInteger weights (one per output), per-direction ones of LSTMs.
  EXPECT_EQ(weights_->module("encoder.bert_encoder")->param("weight")->scale->dims, (V{512}));
  EXPECT_EQ(weights_->module("encoder.predictor.shared")->param("R")->scale->dims, (V{2}));
}

}  // namespace
}  // namespace stream_tts::kokoro
