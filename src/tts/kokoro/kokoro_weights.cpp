#include "tts/kokoro/kokoro_weights.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "stream_tts/status.h"

namespace stream_tts::kokoro {

namespace onnx = nn::onnx;

const char* weight_use_name(WeightUse use) {
  switch (use) {
    case WeightUse::kFloat:
      return "float";
    case WeightUse::kMatMulInteger:
      return "MatMulInteger";
    case WeightUse::kConvInteger:
      return "ConvInteger";
    case WeightUse::kLstmInteger:
      return "DynamicQuantizeLSTM";
    case WeightUse::kGatherDequantize:
      return "Gather+DequantizeLinear";
  }
  return "?";
}

const Param* Module::param(std::string_view role) const {
  for (const Param& p : params) {
    if (p.role == role) return &p;
  }
  return nullptr;
}

namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}
bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    const size_t end = s.find(sep, start);
    out.push_back(
        s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return out;
    start = end + 1;
  }
}

// The export scoped what KModel's forward called on predictor's children outside "predictor".
std::string canonical_module(std::string module) {
  static const char* const kPredictorChildren[] = {"F0", "N", "F0_proj", "N_proj", "shared"};
  if (!starts_with(module, "encoder.")) return module;
  const std::string_view rest = std::string_view(module).substr(8);
  const std::string_view head = rest.substr(0, rest.find('.'));
  for (const char* child : kPredictorChildren) {
    if (head == child) return "encoder.predictor." + std::string(rest);
  }
  return module;
}

// A PyTorch parameter name ("decoder.decoder.generator.resblocks.0.alpha1.0",
// "encoder.bert_encoder.weight_quantized") split into module and role; false for other names.
bool split_param_name(std::string_view name, std::string* module, std::string* role) {
  if (!starts_with(name, "encoder.") && !starts_with(name, "decoder.")) return false;
  for (std::string_view suffix : {"_quantized", "_scale"}) {
    if (ends_with(name, suffix)) name.remove_suffix(suffix.size());
  }
  // Names the quantiser derived (shared zero points, reshape shapes) are not parameters.
  if (ends_with(name, "_zero_point") || ends_with(name, "_shape")) return false;
  const auto parts = split(name, '.');
  size_t role_parts = all_digits(parts.back()) ? 2 : 1;  // ParameterList entries: alpha1.0
  if (parts.size() <= role_parts + 1) return false;
  std::string m, r;
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string& out = i + role_parts < parts.size() ? m : r;
    if (!out.empty()) out += '.';
    out += parts[i];
  }
  *module = canonical_module(std::move(m));
  *role = std::move(r);
  return true;
}

// Follows a quantised op's int32 output to the Mul that rescales it and returns the weight's scale:
// the initializer input of the Mul(activation scale, weight scale) that makes the rescaling factor.
const onnx::Tensor* trace_weight_scale(const onnx::GraphIndex& index, const onnx::Node& op) {
  if (op.outputs.empty()) return nullptr;
  std::string_view value = op.outputs.front();
  for (int step = 0; step < 6; ++step) {
    const auto& next = index.consumers(value);
    if (next.size() != 1) return nullptr;
    const onnx::Node& n = *next.front();
    if (n.op_type == "Mul" && n.inputs.size() == 2) {
      const std::string_view factor = n.inputs[0] == value ? n.inputs[1] : n.inputs[0];
      const onnx::Node* product = index.producer(factor);
      if (product == nullptr || product->op_type != "Mul") return nullptr;
      for (std::string_view in : product->inputs) {
        if (const onnx::Tensor* t = index.initializer(in)) return t;
      }
      return nullptr;
    }
    if ((n.op_type != "Add" && n.op_type != "Cast" && n.op_type != "Reshape") || n.outputs.empty())
      return nullptr;
    value = n.outputs.front();
  }
  return nullptr;
}

class Mapper {
 public:
  explicit Mapper(const onnx::OnnxFile& file) : file_(file), index_(file.index()) {}

  void run(std::vector<Module>* modules, std::vector<GraphConstant>* constants) {
    for (const onnx::Node& n : file_.graph().nodes) {
      if (n.op_type == "MatMulInteger" || n.op_type == "ConvInteger") {
        quantised_matmul_or_conv(n);
      } else if (n.op_type == "DynamicQuantizeLSTM") {
        quantised_lstm(n);
      } else if (n.op_type == "DequantizeLinear") {
        dequantised_gather(n);
      }
    }
    for (const onnx::Tensor& t : file_.graph().initializers) {
      if (assigned_.count(&t) != 0) continue;
      std::string module, role;
      if (split_param_name(t.name, &module, &role)) {
        add(module, role, &t, WeightUse::kFloat, nullptr, nullptr);
      } else if (!float_weight(t)) {
        constants_.push_back({constant_scope(t), &t});
      }
    }
    for (auto& [name, m] : modules_) {
      m.name = name;
      m.component = kokoro_component(name);
      for (Param& p : m.params) p.uses = static_cast<int>(index_.consumers(p.tensor->name).size());
      modules->push_back(std::move(m));
    }
    *constants = std::move(constants_);
  }

 private:
  const onnx::Tensor* init(const onnx::Node& n, size_t input) const {
    return input < n.inputs.size() ? index_.initializer(n.inputs[input]) : nullptr;
  }

  // The module of a quantised op: its weight's parameter name where it has one, else its scope.
  std::string module_for(const onnx::Node& n, const onnx::Tensor* weight) const {
    std::string module, role;
    if (weight != nullptr && split_param_name(weight->name, &module, &role)) return module;
    return module_of_scope(n.name);
  }

  void quantised_matmul_or_conv(const onnx::Node& n) {
    const onnx::Tensor* weight = init(n, 1);
    if (weight == nullptr) return;  // activation x activation: no parameter
    const onnx::Tensor* scale = trace_weight_scale(index_, n);
    const onnx::Tensor* zero_point = init(n, 3);
    if (scale == nullptr || zero_point == nullptr) {
      throw Error(StatusCode::kDataError, file_.path() + ": " + std::string(n.op_type) + " '" +
                                              std::string(n.name) +
                                              "' has a weight without a scale or zero point");
    }
    const WeightUse use =
        n.op_type == "ConvInteger" ? WeightUse::kConvInteger : WeightUse::kMatMulInteger;
    add(module_for(n, weight), "weight", weight, use, scale, zero_point);
    assigned_.insert(scale);
    assigned_.insert(zero_point);
  }

  void quantised_lstm(const onnx::Node& n) {
    const std::string module = canonical_module(module_of_scope(n.name));
    const onnx::Tensor* w = init(n, 1);
    const onnx::Tensor* r = init(n, 2);
    const onnx::Tensor* b = init(n, 3);
    const onnx::Tensor* w_scale = init(n, 8);
    const onnx::Tensor* w_zero = init(n, 9);
    const onnx::Tensor* r_scale = init(n, 10);
    const onnx::Tensor* r_zero = init(n, 11);
    if (!w || !r || !w_scale || !w_zero || !r_scale || !r_zero) {
      throw Error(StatusCode::kDataError, file_.path() + ": DynamicQuantizeLSTM '" +
                                              std::string(n.name) +
                                              "' lacks a weight, scale or zero point initializer");
    }
    add(module, "W", w, WeightUse::kLstmInteger, w_scale, w_zero);
    add(module, "R", r, WeightUse::kLstmInteger, r_scale, r_zero);
    if (b != nullptr) add(module, "B", b, WeightUse::kFloat, nullptr, nullptr);
    for (const onnx::Tensor* t : {w_scale, w_zero, r_scale, r_zero}) assigned_.insert(t);
  }

  // word_embeddings (and the text encoder's embedding table): Gather(uint8 table) ->
  // DequantizeLinear(gathered, scale, zero point).
  void dequantised_gather(const onnx::Node& n) {
    if (n.inputs.empty()) return;
    const onnx::Node* gather = index_.producer(n.inputs[0]);
    if (gather == nullptr || gather->op_type != "Gather") return;
    const onnx::Tensor* table = init(*gather, 0);
    const onnx::Tensor* scale = init(n, 1);
    const onnx::Tensor* zero_point = init(n, 2);
    if (table == nullptr || scale == nullptr) return;
    add(module_for(*gather, table), "weight", table, WeightUse::kGatherDequantize, scale,
        zero_point);
    assigned_.insert(scale);
    if (zero_point != nullptr) assigned_.insert(zero_point);
  }

  // A float weight without a parameter name (folded weight norm, an exported MatMul weight): the
  // weight input of a Conv, ConvTranspose, MatMul or Gather.
  bool float_weight(const onnx::Tensor& t) {
    if (t.data_type != onnx::DataType::kFloat || t.dims.size() < 2) return false;
    for (const onnx::Node* n : index_.consumers(t.name)) {
      const bool conv_like =
          n->op_type == "Conv" || n->op_type == "ConvTranspose" || n->op_type == "MatMul";
      const size_t slot = n->op_type == "Gather" ? 0 : 1;
      if ((conv_like || n->op_type == "Gather") && n->inputs.size() > slot &&
          n->inputs[slot] == t.name) {
        add(canonical_module(module_of_scope(n->name)), "weight", &t, WeightUse::kFloat, nullptr,
            nullptr);
        return true;
      }
    }
    return false;
  }

  std::string constant_scope(const onnx::Tensor& t) const {
    std::string scope = canonical_module(module_of_scope(t.name));
    if (!scope.empty()) return scope;
    for (const onnx::Node* n : index_.consumers(t.name)) {
      scope = canonical_module(module_of_scope(n->name));
      if (!scope.empty()) return scope;
    }
    return "";
  }

  void add(const std::string& module, const std::string& role, const onnx::Tensor* t, WeightUse use,
           const onnx::Tensor* scale, const onnx::Tensor* zero_point) {
    if (!assigned_.insert(t).second) return;  // a shared weight read by several nodes: once
    Module& m = modules_[module.empty() ? std::string("(unscoped)") : module];
    m.params.push_back({role, t, use, scale, zero_point, 0});
  }

  const onnx::OnnxFile& file_;
  const onnx::GraphIndex& index_;
  std::map<std::string, Module> modules_;
  std::vector<GraphConstant> constants_;
  std::unordered_set<const onnx::Tensor*> assigned_;
};

}  // namespace

std::string module_of_scope(std::string_view node_name) {
  if (node_name.empty() || node_name.front() != '/') return "";
  auto parts = split(node_name.substr(1), '/');
  parts.pop_back();  // the node's own name
  std::vector<std::string> out;
  for (std::string_view p : parts) {
    std::string part(p);
    // The n-th call of a module is scoped "name_n" (attention_1, query_3, ffn_output_11).
    const size_t underscore = part.rfind('_');
    if (underscore != std::string::npos &&
        all_digits(std::string_view(part).substr(underscore + 1))) {
      part.resize(underscore);
    }
    // A child of a Sequential inside a ModuleList is scoped with its full name: cnn.1/cnn.1.0.
    if (!out.empty() && starts_with(part, out.back() + ".")) {
      out.back() = part;
    } else {
      out.push_back(part);
    }
  }
  std::string module;
  for (const std::string& p : out) {
    if (!module.empty()) module += '.';
    module += p;
  }
  return canonical_module(module);
}

std::string kokoro_component(std::string_view module) {
  struct Rule {
    std::string_view prefix;
    std::string_view component;
  };
  static constexpr Rule kRules[] = {
      {"encoder.bert_encoder", "bert_encoder"},
      {"encoder.bert.", "bert"},
      {"encoder.text_encoder.", "text_encoder"},
      {"encoder.predictor.text_encoder.", "predictor.text_encoder"},
      {"encoder.predictor.lstm", "predictor.duration"},
      {"encoder.predictor.duration_proj", "predictor.duration"},
      {"encoder.predictor.shared", "predictor.shared"},
      {"encoder.predictor.F0", "predictor.F0N"},
      {"encoder.predictor.N", "predictor.F0N"},
      {"decoder.decoder.generator.", "generator"},
      {"decoder.decoder.", "decoder"},
  };
  for (const Rule& r : kRules) {
    if (starts_with(module, r.prefix)) return std::string(r.component);
  }
  return "";
}

KokoroWeights KokoroWeights::load(const std::string& onnx_path) {
  return map(std::make_unique<onnx::OnnxFile>(onnx::OnnxFile::load(onnx_path)), true);
}

KokoroWeights KokoroWeights::map(std::unique_ptr<onnx::OnnxFile> file, bool require_complete) {
  KokoroWeights w;
  w.file_ = std::move(file);
  Mapper(*w.file_).run(&w.modules_, &w.constants_);
  for (const onnx::Node& n : w.file_->graph().nodes) {
    const bool standard = n.domain.empty() || n.domain == "ai.onnx";
    ++w.op_counts_[standard ? std::string(n.op_type)
                            : std::string(n.domain) + ":" + std::string(n.op_type)];
  }
  if (require_complete) {
    const auto missing = w.missing_modules();
    if (!missing.empty()) {
      std::string list;
      for (size_t i = 0; i < missing.size() && i < 5; ++i) {
        if (i > 0) list += ", ";
        list += missing[i];
      }
      throw Error(StatusCode::kDataError,
                  w.file_->path() + ": not the Kokoro-82M graph this backend reads (" +
                      std::to_string(missing.size()) + " modules missing: " + list + ")");
    }
  }
  return w;
}

const Module* KokoroWeights::module(std::string_view name) const {
  const auto it = std::lower_bound(modules_.begin(), modules_.end(), name,
                                   [](const Module& m, std::string_view n) { return m.name < n; });
  return it != modules_.end() && it->name == name ? &*it : nullptr;
}

std::vector<std::string> KokoroWeights::expected_modules() {
  std::vector<std::string> m;
  auto add = [&m](const std::string& s) { m.push_back(s); };
  // ALBERT (one shared layer, run 12 times) and its projection to the predictor's width.
  for (const char* e :
       {"word_embeddings", "position_embeddings", "token_type_embeddings", "LayerNorm"}) {
    add(std::string("encoder.bert.embeddings.") + e);
  }
  add("encoder.bert.encoder.embedding_hidden_mapping_in");
  for (const char* l : {"attention.query", "attention.key", "attention.value", "attention.dense",
                        "attention.LayerNorm", "ffn", "ffn_output", "full_layer_layer_norm"}) {
    add(std::string("encoder.bert.encoder.albert_layer_groups.0.albert_layers.0.") + l);
  }
  add("encoder.bert_encoder");
  // Text encoder: embedding, 3 x (conv, LayerNorm), bidirectional LSTM.
  add("encoder.text_encoder.embedding");
  for (int i = 0; i < 3; ++i) {
    add("encoder.text_encoder.cnn." + std::to_string(i) + ".0");
    add("encoder.text_encoder.cnn." + std::to_string(i) + ".1");
  }
  add("encoder.text_encoder.lstm");
  // Prosody predictor: duration encoder (LSTM, AdaLayerNorm) x 3, duration LSTM and projection,
  // the shared LSTM, F0 and N AdaIN residual blocks and projections.
  for (int i = 0; i < 6; i += 2) {
    add("encoder.predictor.text_encoder.lstms." + std::to_string(i));
    add("encoder.predictor.text_encoder.lstms." + std::to_string(i + 1) + ".fc");
  }
  add("encoder.predictor.lstm");
  add("encoder.predictor.duration_proj.linear_layer");
  add("encoder.predictor.shared");
  for (const char* branch : {"F0", "N"}) {
    const std::string p = std::string("encoder.predictor.") + branch + ".";
    for (int i = 0; i < 3; ++i) {
      for (const char* part : {"conv1", "conv2", "norm1.fc", "norm2.fc"})
        add(p + std::to_string(i) + "." + part);
    }
    add(p + "1.conv1x1");
    add(p + "1.pool");
    add(std::string("encoder.predictor.") + branch + "_proj");
  }
  // Decoder: encode and 4 decode AdaIN residual blocks, F0/N convs, asr_res.
  for (std::string block : {"encode", "decode.0", "decode.1", "decode.2", "decode.3"}) {
    for (const char* part : {"conv1", "conv2", "conv1x1", "norm1.fc", "norm2.fc"}) {
      add("decoder.decoder." + block + "." + part);
    }
  }
  add("decoder.decoder.decode.3.pool");
  add("decoder.decoder.F0_conv");
  add("decoder.decoder.N_conv");
  add("decoder.decoder.asr_res.0");
  // iSTFTNet generator: harmonic source, 2 upsamplers with their noise branches, 6 resblocks.
  const std::string g = "decoder.decoder.generator.";
  add(g + "m_source.l_linear");
  for (int i = 0; i < 2; ++i) {
    add(g + "ups." + std::to_string(i));
    add(g + "noise_convs." + std::to_string(i));
  }
  for (std::string kind : {"resblocks.", "noise_res."}) {
    for (int b = 0; b < (kind == "resblocks." ? 6 : 2); ++b) {
      const std::string block = g + kind + std::to_string(b);
      add(block);  // the Snake activations' alpha1.k, alpha2.k
      for (int k = 0; k < 3; ++k) {
        for (const char* part : {"convs1.", "convs2.", "adain1.", "adain2."}) {
          add(block + "." + part + std::to_string(k) + (part[0] == 'a' ? ".fc" : ""));
        }
      }
    }
  }
  add(g + "conv_post");
  add(g + "stft.istft.stft");  // the inverse STFT's basis and window sum
  std::sort(m.begin(), m.end());
  return m;
}

std::vector<std::string> KokoroWeights::missing_modules() const {
  std::vector<std::string> missing;
  for (const std::string& name : expected_modules()) {
    if (module(name) == nullptr) missing.push_back(name);
  }
  return missing;
}

}  // namespace stream_tts::kokoro
