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

// MLAS's exp as its AVX-512 softmax kernel computes it: x clamped at -103.97, n = round(x / ln 2),
// a degree-6 polynomial of the reduced argument, scaled by 2^n.
float mlas_exp(float x);

// Which of MLAS's softmax kernels to reproduce. onnxruntime picks by CPU: the AVX-512F kernel where the
// CPU has AVX-512F, the FMA3 one otherwise; kAuto makes the same choice, so that the native ALBERT stays
// bit-identical to onnxruntime on either kind of machine (docs/kokoro.md, "Parity").
enum class MlasSoftmaxPath { kAuto, kAvx512, kFma3 };

// ONNX Softmax over each row of `cols` values, in place, as MLAS computes it: e = exp(x - max); the sum
// accumulated in 16 lanes (AVX-512F) or 8 (FMA3; its exp clamps at -88.38), lane j taking elements j,
// j + lanes, ..., reduced pairwise; then every e multiplied by 1 / sum.
void mlas_softmax_rows(std::span<float> x, size_t cols, MlasSoftmaxPath path = MlasSoftmaxPath::kAuto);

void mlas_logistic(std::span<float> x);  // in place
void mlas_tanh(std::span<float> x);      // in place

}  // namespace stream_tts::kokoro
