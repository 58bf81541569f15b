// The float approximations ONNX Runtime's CPU kernels use for sigmoid and tanh (its MLAS library,
// x86-64 with FMA3: MlasComputeLogistic / MlasComputeTanh, which back the Sigmoid and Tanh
// operators and the gates of LSTM and DynamicQuantizeLSTM). They are rational polynomials (Eigen's
// coefficients) evaluated with fused multiply-adds; std::exp / std::tanh differ from them by an
// ulp or more on about half of all inputs, and an ulp moves the next dynamic quantisation's codes
// (docs/kokoro.md, "Parity"). Checked bit for bit against onnxruntime 1.32 on 500,001 inputs in
// [-20, 20] (tests/unit/tts/kokoro_lstm_test.cpp keeps a few of those values).
#pragma once

#include <cstddef>
#include <span>

namespace stream_tts::kokoro {

// MLAS's logistic: x clamped to [-18, 18], p(x²)·x / q(x²) + 0.5, at least 0.
float mlas_logistic(float x);
// MLAS's tanh: x clamped to [-9, 9], p(x²)·x / q(x²).
float mlas_tanh(float x);

void mlas_logistic(std::span<float> x);  // in place
void mlas_tanh(std::span<float> x);      // in place

}  // namespace stream_tts::kokoro
