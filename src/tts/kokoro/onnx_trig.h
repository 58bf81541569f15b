// Sin and Cos as onnxruntime 1.32's CPU operators compute them: Eigen's float psin/pcos on SSE
// (no FMA): x·2/π rounded to the nearest integer with the 2²³ trick, a four-step Cody–Waite
// reduction (each product and sum rounded), degree-7 sine / degree-8 cosine polynomials selected by
// the quadrant; |x| >= 25966 (sin) or 18838 (cos) reduced with 192 bits of 2/π (Payne–Hanek) in
// integer arithmetic. Checked bit for bit against onnxruntime's Sin and Cos on 650,000 inputs up to
// ±1e5 (tests/unit/tts/kokoro_generator_test.cpp keeps a few). libm's sinf differs on ~15 % of them,
// and an ulp in a Snake activation moves the next dynamic quantisation's codes.
#pragma once

#include <cstddef>

namespace stream_tts::kokoro {

float onnx_sin(float x);
float onnx_cos(float x);

// Snake in place, with onnx_sin: x ← x + inv_alpha·sin(alpha·x)² per channel of x [steps x channels]
// (onnxruntime's Mul → Sin → Pow 2 → Mul → Add). Eight lanes at a time with AVX2 when the CPU has it
// (the same float operations per lane, no FMA, so the same results as the scalar path).
void onnx_snake(float* x, size_t steps, size_t channels, const float* alpha,
                const float* inv_alpha);

}  // namespace stream_tts::kokoro
