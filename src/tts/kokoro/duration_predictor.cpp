#include "tts/kokoro/duration_predictor.h"

#include <cmath>
#include <string>

#include "tts/kokoro/mlas_math.h"
#include "tts/kokoro/module_params.h"

namespace stream_tts::kokoro {

namespace {

constexpr float kLayerNormEpsilon = 1e-5f;

// [x (rows x a), s (b)] → rows x (a + b)
std::vector<float> with_style(std::span<const float> x, size_t rows, size_t a,
                              std::span<const float> s) {
  std::vector<float> out(rows * (a + s.size()));
  for (size_t r = 0; r < rows; ++r) {
    std::copy(x.begin() + static_cast<std::ptrdiff_t>(r * a),
              x.begin() + static_cast<std::ptrdiff_t>((r + 1) * a),
              out.begin() + static_cast<std::ptrdiff_t>(r * (a + s.size())));
    std::copy(s.begin(), s.end(),
              out.begin() + static_cast<std::ptrdiff_t>(r * (a + s.size()) + a));
  }
  return out;
}

QuantizedLstm lstm(const KokoroWeights& w, const std::string& name, size_t in) {
  QuantizedLstm l(require_module(w, name));
  if (l.input_size() != in || l.hidden_size() != 256 || l.directions() != 2) {
    throw Error(StatusCode::kDataError, "Kokoro weights: " + name + " is not a 640 -> 2 x 256 LSTM");
  }
  return l;
}

}  // namespace

void ada_layer_norm(std::span<const float> x, size_t cols, std::span<const float> gamma_beta,
                    std::vector<float>* y) {
  const std::vector<float> ones(cols, 1.0f), zeros(cols, 0.0f);
  layer_norm_onnx(x, cols, ones, zeros, kLayerNormEpsilon, y);
  const size_t rows = cols == 0 ? 0 : x.size() / cols;
  for (size_t r = 0; r < rows; ++r) {
    float* row = y->data() + r * cols;
    for (size_t c = 0; c < cols; ++c) {
      const float scaled = (gamma_beta[c] + 1.0f) * row[c];  // Add(γ, 1), Mul
      row[c] = scaled + gamma_beta[cols + c];                // Add(β)
    }
  }
}

float eigen_sum(const float* p, size_t n, size_t offset) {
  constexpr size_t kPacket = 4;
  const size_t start = std::min(n, (kPacket - offset % kPacket) % kPacket);
  const size_t packed = (n - start) / kPacket * kPacket;
  const size_t packed2 = (n - start) / (2 * kPacket) * (2 * kPacket);
  if (packed == 0) {  // too short for a packet: a plain sum
    float s = 0.0f;
    for (size_t i = 0; i < n; ++i) s = i == 0 ? p[0] : s + p[i];
    return s;
  }
  float a[kPacket], b[kPacket];
  for (size_t j = 0; j < kPacket; ++j) a[j] = p[start + j];
  if (packed > kPacket) {
    for (size_t j = 0; j < kPacket; ++j) b[j] = p[start + kPacket + j];
    for (size_t i = start + 2 * kPacket; i < start + packed2; i += 2 * kPacket) {
      for (size_t j = 0; j < kPacket; ++j) {
        a[j] += p[i + j];
        b[j] += p[i + kPacket + j];
      }
    }
    for (size_t j = 0; j < kPacket; ++j) a[j] += b[j];
    if (packed > packed2) {
      for (size_t j = 0; j < kPacket; ++j) a[j] += p[start + packed2 + j];
    }
  }
  // SSE's horizontal sum: (a0 + a2) + (a1 + a3).
  float s = (a[0] + a[2]) + (a[1] + a[3]);
  for (size_t i = 0; i < start; ++i) s += p[i];
  for (size_t i = start + packed; i < n; ++i) s += p[i];
  return s;
}

DurationPredictor::DurationPredictor(const KokoroWeights& w) {
  const std::string e = "encoder.predictor.";
  for (size_t l = 0; l < kLayers; ++l) {
    lstms_[l] = lstm(w, e + "text_encoder.lstms." + std::to_string(2 * l), kHidden + kStyle);
    norm_fc_[l] = quantized_linear(w, e + "text_encoder.lstms." + std::to_string(2 * l + 1) + ".fc",
                                   kStyle, 2 * kHidden);
  }
  lstm_ = lstm(w, e + "lstm", kHidden + kStyle);
  projection_ = quantized_linear(w, e + "duration_proj.linear_layer", kHidden, kMaxDuration);
}

Result<DurationPredictor::Output> DurationPredictor::forward(std::span<const float> d_en,
                                                             size_t tokens,
                                                             std::span<const float> style,
                                                             float speed) const {
  if (tokens == 0 || d_en.size() != tokens * kHidden || style.size() != 2 * kStyle ||
      !(speed > 0.0f)) {
    return Status(StatusCode::kInvalidArgument,
                  "the duration predictor takes [tokens x 512] features, a 256-value style and a "
                  "positive speed");
  }
  const std::span<const float> s = style.subspan(kStyle);
  Output out;
  out.tokens = tokens;
  // The three AdaLayerNorms read the same quantised style.
  QuantizedActivations sq;
  dynamic_quantize_linear(s, &sq);
  std::vector<float> x = with_style(d_en, tokens, kHidden, s), y, gamma_beta, normed;
  for (size_t l = 0; l < kLayers; ++l) {
    lstms_[l].forward(x, tokens, &y);
    norm_fc_[l].forward(sq, 1, &gamma_beta);
    ada_layer_norm(y, kHidden, gamma_beta, &normed);
    x = with_style(normed, tokens, kHidden, s);
  }
  out.d = x;
  lstm_.forward(out.d, tokens, &out.lstm);
  QuantizedActivations q;
  dynamic_quantize_linear(out.lstm, &q);
  projection_.forward(q, tokens, &out.logits);
  std::vector<float> sig = out.logits;
  mlas_logistic(sig);
  out.sums.resize(tokens);
  out.durations.resize(tokens);
  for (size_t t = 0; t < tokens; ++t) {
    // Row t of ONNX Runtime's (64-byte aligned) sigmoid output starts 50·t floats in.
    out.sums[t] = eigen_sum(sig.data() + t * kMaxDuration, kMaxDuration, t * kMaxDuration) / speed;
    const float rounded = std::nearbyint(out.sums[t]);  // Round: half to even
    out.durations[t] = static_cast<int64_t>(std::max(1.0f, rounded));
  }
  return out;
}

}  // namespace stream_tts::kokoro
