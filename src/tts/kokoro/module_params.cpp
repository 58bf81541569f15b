#include "tts/kokoro/module_params.h"

#include "stream_tts/status.h"

namespace stream_tts::kokoro {

const Module& require_module(const KokoroWeights& w, const std::string& name) {
  const Module* m = w.module(name);
  if (m == nullptr) throw Error(StatusCode::kDataError, "Kokoro weights: no module " + name);
  return *m;
}

const Param& require_param(const KokoroWeights& w, const std::string& module, const char* role) {
  const Param* p = require_module(w, module).param(role);
  if (p == nullptr)
    throw Error(StatusCode::kDataError, "Kokoro weights: no " + module + "." + role);
  return *p;
}

std::vector<float> float_param(const KokoroWeights& w, const std::string& module, const char* role,
                               size_t size) {
  std::vector<float> v = require_param(w, module, role).tensor->to_floats();
  if (v.size() != size) {
    throw Error(StatusCode::kDataError, "Kokoro weights: " + module + "." + role + " has " +
                                            std::to_string(v.size()) + " values, not " +
                                            std::to_string(size));
  }
  return v;
}

QuantizedLinear quantized_linear(const KokoroWeights& w, const std::string& module, size_t in,
                                 size_t out) {
  const Param& weight = require_param(w, module, "weight");
  if (weight.use != WeightUse::kMatMulInteger) {
    throw Error(StatusCode::kDataError, "Kokoro weights: " + module + " is not an int8 MatMul");
  }
  QuantizedLinear l(weight, &require_param(w, module, "bias"));
  if (l.in_features() != in || l.out_features() != out) {
    throw Error(StatusCode::kDataError, "Kokoro weights: " + module + " is not " +
                                            std::to_string(in) + " x " + std::to_string(out));
  }
  return l;
}

std::vector<float> dequantised_table(const Param& p, size_t* rows, size_t* cols) {
  if (p.use != WeightUse::kGatherDequantize || p.tensor->dims.size() != 2 || p.scale == nullptr) {
    throw Error(StatusCode::kDataError, "Kokoro weights: '" + std::string(p.tensor->name) +
                                            "' is not an int8 embedding table");
  }
  *rows = static_cast<size_t>(p.tensor->dims[0]);
  *cols = static_cast<size_t>(p.tensor->dims[1]);
  const float scale = static_cast<float>(p.scale->as_double());
  const float zp = p.zero_point ? static_cast<float>(p.zero_point->as_double()) : 0.0f;
  std::vector<float> t(*rows * *cols);
  for (size_t i = 0; i < t.size(); ++i) {
    t[i] = (static_cast<float>(p.tensor->as_double(i)) - zp) * scale;
  }
  return t;
}

}  // namespace stream_tts::kokoro
