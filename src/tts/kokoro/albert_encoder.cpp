#include "tts/kokoro/albert_encoder.h"

#include <cmath>
#include <string>

#include "tts/kokoro/mlas_math.h"

namespace stream_tts::kokoro {

namespace {

constexpr float kLayerNormEpsilon =
    1e-12f;  // the graph's LayerNormalization / SkipLayerNormalization
constexpr const char* kLayer = "encoder.bert.encoder.albert_layer_groups.0.albert_layers.0.";

const Param& param(const KokoroWeights& w, const std::string& module, const char* role) {
  const Module* m = w.module(module);
  const Param* p = m == nullptr ? nullptr : m->param(role);
  if (p == nullptr)
    throw Error(StatusCode::kDataError, "Kokoro weights: no " + module + "." + role);
  return *p;
}

std::vector<float> floats(const KokoroWeights& w, const std::string& module, const char* role,
                          size_t size) {
  std::vector<float> v = param(w, module, role).tensor->to_floats();
  if (v.size() != size)
    throw Error(StatusCode::kDataError,
                "Kokoro weights: " + module + "." + role + " has another size");
  return v;
}

QuantizedLinear linear(const KokoroWeights& w, const std::string& module, bool with_bias, size_t in,
                       size_t out) {
  const Module* m = w.module(module);
  const Param* weight = m == nullptr ? nullptr : m->param("weight");
  if (weight == nullptr || weight->use != WeightUse::kMatMulInteger) {
    throw Error(StatusCode::kDataError, "Kokoro weights: " + module + " is not an int8 MatMul");
  }
  QuantizedLinear l(*weight, with_bias ? &param(w, module, "bias") : nullptr);
  if (l.in_features() != in || l.out_features() != out) {
    throw Error(StatusCode::kDataError, "Kokoro weights: " + module + " is not " +
                                            std::to_string(in) + " x " + std::to_string(out));
  }
  return l;
}

}  // namespace

AlbertEncoder::Table AlbertEncoder::dequantised_table(const Param& p) {
  if (p.use != WeightUse::kGatherDequantize || p.tensor->dims.size() != 2 || p.scale == nullptr) {
    throw Error(StatusCode::kDataError, "Kokoro weights: '" + std::string(p.tensor->name) +
                                            "' is not an int8 embedding table");
  }
  Table t;
  t.rows = static_cast<size_t>(p.tensor->dims[0]);
  t.cols = static_cast<size_t>(p.tensor->dims[1]);
  const float scale = static_cast<float>(p.scale->as_double());
  const float zp = p.zero_point ? static_cast<float>(p.zero_point->as_double()) : 0.0f;
  t.values.resize(t.rows * t.cols);
  for (size_t i = 0; i < t.values.size(); ++i) {
    t.values[i] = (static_cast<float>(p.tensor->as_double(i)) - zp) * scale;  // DequantizeLinear
  }
  return t;
}

AlbertEncoder::AlbertEncoder(const KokoroWeights& w) {
  const std::string e = "encoder.bert.embeddings.";
  word_ = dequantised_table(param(w, e + "word_embeddings", "weight"));
  position_ = dequantised_table(param(w, e + "position_embeddings", "weight"));
  token_type_ = dequantised_table(param(w, e + "token_type_embeddings", "weight"));
  if (word_.cols != kEmbedding || position_.cols != kEmbedding || token_type_.cols != kEmbedding) {
    throw Error(StatusCode::kDataError, "Kokoro weights: ALBERT embeddings are not 128 wide");
  }
  embedding_gamma_ = floats(w, e + "LayerNorm", "weight", kEmbedding);
  embedding_beta_ = floats(w, e + "LayerNorm", "bias", kEmbedding);
  mapping_in_ =
      linear(w, "encoder.bert.encoder.embedding_hidden_mapping_in", true, kEmbedding, kHidden);
  const std::string layer = kLayer;
  query_ = linear(w, layer + "attention.query", true, kHidden, kHidden);
  key_ = linear(w, layer + "attention.key", true, kHidden, kHidden);
  value_ = linear(w, layer + "attention.value", true, kHidden, kHidden);
  dense_ = linear(w, layer + "attention.dense", true, kHidden, kHidden);
  attention_gamma_ = floats(w, layer + "attention.LayerNorm", "weight", kHidden);
  attention_beta_ = floats(w, layer + "attention.LayerNorm", "bias", kHidden);
  ffn_ = linear(w, layer + "ffn", false, kHidden, 2048);  // its bias goes into FastGelu
  ffn_bias_ = floats(w, layer + "ffn", "bias", 2048);
  ffn_output_ = linear(w, layer + "ffn_output", true, 2048, kHidden);
  full_gamma_ = floats(w, layer + "full_layer_layer_norm", "weight", kHidden);
  full_beta_ = floats(w, layer + "full_layer_layer_norm", "bias", kHidden);
  projection_ = linear(w, "encoder.bert_encoder", true, kHidden, kProjected);
}

void AlbertEncoder::run_pass(std::vector<float>* hidden_state, size_t t_len, size_t pass,
                             Trace* trace) const {
  auto record = [trace](const std::string& name, const std::vector<float>& v) {
    if (trace != nullptr) trace->emplace_back(name, v);
  };
  std::vector<float>& hidden = *hidden_state;
  constexpr size_t kHeadDim = kHidden / kHeads;
  // The export scales q and k each by sqrt(1 / sqrt(head_dim)) before their product.
  const float qk_scale = std::sqrt(1.0f / std::sqrt(static_cast<float>(kHeadDim)));
  const std::string prefix = "pass" + std::to_string(pass) + ".";
  const bool detail = pass <= 1;  // the stages of the first two passes are traced
  QuantizedActivations q;
  std::vector<float> qv, kv, vv, context(t_len * kHidden), scores(t_len * t_len), attended, h1, f,
      o;
  dynamic_quantize_linear(hidden, &q);
  query_.forward(q, t_len, &qv);
  key_.forward(q, t_len, &kv);
  value_.forward(q, t_len, &vv);
  if (detail) record(prefix + "query", qv);
  for (float& v : qv) v *= qk_scale;
  for (float& v : kv) v *= qk_scale;
  for (size_t head = 0; head < kHeads; ++head) {
    const size_t off = head * kHeadDim;
    for (size_t i = 0; i < t_len; ++i) {
      for (size_t j = 0; j < t_len; ++j) {
        // Fused multiply-adds in k order, as MLAS's SGEMM kernels accumulate on a CPU with FMA.
        float s = 0;
        for (size_t d = 0; d < kHeadDim; ++d)
          s = std::fma(qv[i * kHidden + off + d], kv[j * kHidden + off + d], s);
        scores[i * t_len + j] = s;  // + the all-zero mask
      }
    }
    mlas_softmax_rows(scores, t_len);
    for (size_t i = 0; i < t_len; ++i) {
      float* out = context.data() + i * kHidden + off;
      for (size_t d = 0; d < kHeadDim; ++d) out[d] = 0;
      for (size_t j = 0; j < t_len; ++j) {
        const float p = scores[i * t_len + j];
        const float* v = vv.data() + j * kHidden + off;
        for (size_t d = 0; d < kHeadDim; ++d) out[d] = std::fma(p, v[d], out[d]);
      }
    }
  }
  if (detail) record(prefix + "context", context);
  dynamic_quantize_linear(context, &q);
  dense_.forward(q, t_len, &attended);
  // An Add, then ONNX LayerNormalization (the FFN's norm below is SkipLayerNormalization).
  for (size_t i = 0; i < attended.size(); ++i) attended[i] = hidden[i] + attended[i];
  layer_norm_onnx(attended, kHidden, attention_gamma_, attention_beta_, kLayerNormEpsilon, &h1);
  if (detail) record(prefix + "attention_norm", h1);
  dynamic_quantize_linear(h1, &q);
  ffn_.forward(q, t_len, &f);
  fast_gelu(f, ffn_bias_);
  if (detail) record(prefix + "gelu", f);
  dynamic_quantize_linear(f, &q);
  ffn_output_.forward(q, t_len, &o);
  skip_layer_norm_onnx(o, h1, kHidden, full_gamma_, full_beta_, kLayerNormEpsilon, &hidden);
  record(prefix + "output", hidden);
}

Result<std::vector<float>> AlbertEncoder::layer(std::span<const float> hidden,
                                                size_t tokens) const {
  if (tokens == 0 || hidden.size() != tokens * kHidden) {
    return Status(StatusCode::kInvalidArgument, "ALBERT's layer takes [tokens x 768] values");
  }
  std::vector<float> h(hidden.begin(), hidden.end());
  run_pass(&h, tokens, kPasses, nullptr);
  return h;
}

Result<AlbertEncoder::Output> AlbertEncoder::forward(std::span<const int64_t> tokens,
                                                     Trace* trace) const {
  auto record = [trace](const char* name, const std::vector<float>& v) {
    if (trace != nullptr) trace->emplace_back(name, v);
  };
  const size_t t_len = tokens.size();
  if (t_len == 0 || t_len > position_.rows) {
    return Status(StatusCode::kInvalidArgument, "ALBERT takes 1 to " +
                                                    std::to_string(position_.rows) +
                                                    " tokens, not " + std::to_string(t_len));
  }
  for (int64_t id : tokens) {
    if (id < 0 || static_cast<size_t>(id) >= word_.rows) {
      return Status(StatusCode::kInvalidArgument,
                    "token id " + std::to_string(id) + " is outside the vocabulary");
    }
  }
  // Embeddings: (word + token type 0) + position, LayerNorm.
  std::vector<float> x(t_len * kEmbedding);
  for (size_t t = 0; t < t_len; ++t) {
    const float* word = word_.values.data() + static_cast<size_t>(tokens[t]) * kEmbedding;
    const float* position = position_.values.data() + t * kEmbedding;
    for (size_t c = 0; c < kEmbedding; ++c)
      x[t * kEmbedding + c] = (word[c] + token_type_.values[c]) + position[c];
  }
  std::vector<float> h;
  layer_norm_onnx(x, kEmbedding, embedding_gamma_, embedding_beta_, kLayerNormEpsilon, &h);
  record("embeddings", h);
  QuantizedActivations q;
  dynamic_quantize_linear(h, &q);
  std::vector<float> hidden;
  mapping_in_.forward(q, t_len, &hidden);
  record("mapping_in", hidden);

  for (size_t pass = 0; pass < kPasses; ++pass) run_pass(&hidden, t_len, pass, trace);

  Output out;
  out.tokens = t_len;
  dynamic_quantize_linear(hidden, &q);
  projection_.forward(q, t_len, &out.projected);
  out.hidden = std::move(hidden);
  return out;
}

}  // namespace stream_tts::kokoro
