// Kokoro-82M's weights in the packaged int8 ONNX file (kokoro-v1.0.int8.onnx), mapped onto the
// model's modules: every initializer of the graph is either a parameter of a module (with its
// quantisation scale and zero point when it is int8/uint8) or a graph constant (shapes, axes,
// split sizes, constants ONNX Runtime folded). docs/kokoro.md has the table and the conventions.
//
// The file is ONNX Runtime's dynamic int8 quantisation of the PyTorch export, after ORT's graph
// optimisations, so parameters are found through the graph, not by name alone:
//   - a MatMulInteger / ConvInteger weight is the node's input 1 and its zero point input 3; its
//     scale is the initializer in the Mul(activation scale, weight scale) that rescales the int32
//     result. Zero points are deduplicated across modules (one uint8 0 serves many), so their
//     names say nothing about the module.
//   - DynamicQuantizeLSTM: W, R (int8, [dirs, in, 4h], transposed against ONNX LSTM), B (float),
//     W/R scales and zero points per direction (inputs 8-11).
//   - the BERT word embeddings are a uint8 table: Gather then DequantizeLinear (scale, zero point).
//   - the module of a node comes from its scope (/encoder/text_encoder/cnn.1/cnn.1.0/Conv_quant ->
//     encoder.text_encoder.cnn.1.0). Calls the export made from the outer module's forward are
//     scoped outside the predictor (/encoder/F0.0/..., /encoder/shared/...): they are mapped back
//     onto the parameter names (encoder.predictor.F0.0, encoder.predictor.shared).
//
// Read-only after load(); any number of threads may read it. Every pointer stays valid as long as
// the KokoroWeights lives (moving it keeps them valid).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nn/onnx/onnx_file.h"

namespace stream_tts::kokoro {

// The operator that consumes a parameter, which fixes how it is used (layout, quantisation).
enum class WeightUse {
  kFloat,          // a float parameter (bias, LayerNorm gamma/beta, float conv/matmul weight, ...)
  kMatMulInteger,  // int8/uint8 [in, out]; y = (x_q - x_zp)(W - w_zp) * x_scale * w_scale
  kConvInteger,    // uint8 [out, in/group, k]; bias folded as floor(b / (x_scale * w_scale))
  kLstmInteger,  // DynamicQuantizeLSTM W / R: int8 [dirs, in|hidden, 4*hidden], per-direction scale
  kGatherDequantize  // uint8 embedding table, dequantised after the Gather
};
const char* weight_use_name(WeightUse use);

struct Param {
  std::string role;  // "weight", "bias", "gamma", "beta", "W", "R", "B", "alpha1.0", ...
  const nn::onnx::Tensor* tensor = nullptr;
  WeightUse use = WeightUse::kFloat;
  // Quantised parameters only: float32 scale and zero point (scalars, or one per LSTM direction).
  const nn::onnx::Tensor* scale = nullptr;
  const nn::onnx::Tensor* zero_point = nullptr;
  int uses = 0;  // graph nodes that read the parameter (12 for the shared ALBERT layer's weights)
};

struct Module {
  std::string name;  // the PyTorch module path: "decoder.decoder.generator.resblocks.0.convs1.0"
  std::string component;  // "bert", "predictor", "decoder", "generator", ... (kokoro_component())
  std::vector<Param> params;

  const Param* param(std::string_view role) const;
};

// An initializer that is no parameter: a shape, an axis list, split sizes, or a constant ORT folded
// (e.g. 1/alpha of a Snake activation). `scope` is the module whose graph uses it ("" if none).
struct GraphConstant {
  std::string scope;
  const nn::onnx::Tensor* tensor = nullptr;
};

class KokoroWeights {
 public:
  // Loads and maps `onnx_path`. Throws Error(kNotFound) when it cannot be opened, Error(kDataError)
  // when it is not a readable ONNX file or does not look like Kokoro-82M (a module is missing, a
  // quantised weight has no scale).
  static KokoroWeights load(const std::string& onnx_path);
  // The same over an already loaded file (tests build small graphs); `require_complete` = false
  // skips the check that every module of Kokoro-82M is there.
  static KokoroWeights map(std::unique_ptr<nn::onnx::OnnxFile> file, bool require_complete);

  // In module-name order.
  const std::vector<Module>& modules() const { return modules_; }
  const Module* module(std::string_view name) const;
  const std::vector<GraphConstant>& constants() const { return constants_; }
  // "MatMulInteger" -> 148, "com.microsoft:FastGelu" -> 12 (domain-qualified outside ai.onnx).
  const std::map<std::string, int>& op_counts() const { return op_counts_; }
  const nn::onnx::OnnxFile& file() const { return *file_; }

  // The modules of Kokoro-82M that the mapping must find (the expected architecture).
  static std::vector<std::string> expected_modules();
  // Those of expected_modules() that this file lacks (empty for the real model).
  std::vector<std::string> missing_modules() const;

 private:
  std::unique_ptr<nn::onnx::OnnxFile> file_;
  std::vector<Module> modules_;
  std::vector<GraphConstant> constants_;
  std::map<std::string, int> op_counts_;
};

// The part of the model a module belongs to: "bert", "bert_encoder", "text_encoder",
// "predictor.text_encoder", "predictor.duration", "predictor.shared", "predictor.F0N", "decoder",
// "generator"; "" for a name outside Kokoro's modules.
std::string kokoro_component(std::string_view module);

// The module path of a node scope: "/encoder/text_encoder/cnn.1/cnn.1.0/Conv_quant" ->
// "encoder.text_encoder.cnn.1.0", "/encoder/.../attention/query_3/MatMul_quant" -> "...query"
// (the n-th call of a shared module), "/encoder/F0.1/pool/ConvTranspose" ->
// "encoder.predictor.F0.1.pool". "" for a name that is no scope path.
std::string module_of_scope(std::string_view node_name);

}  // namespace stream_tts::kokoro
