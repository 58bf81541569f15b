// Small accessors shared by the Kokoro stages: a module's parameter by role, checked, with errors
// that name the module (Error(kDataError)).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "tts/kokoro/kokoro_weights.h"
#include "tts/kokoro/quantized_ops.h"

namespace stream_tts::kokoro {

const Module& require_module(const KokoroWeights& w, const std::string& name);
const Param& require_param(const KokoroWeights& w, const std::string& module, const char* role);
// A float parameter of exactly `size` values.
std::vector<float> float_param(const KokoroWeights& w, const std::string& module, const char* role,
                               size_t size);
// An int8 Linear (MatMulInteger weight [in, out] with its bias).
QuantizedLinear quantized_linear(const KokoroWeights& w, const std::string& module, size_t in,
                                 size_t out);
// A Gather + DequantizeLinear table, dequantised: (q - zp) · scale, [rows x cols].
std::vector<float> dequantised_table(const Param& p, size_t* rows, size_t* cols);

}  // namespace stream_tts::kokoro
