// Sin and Cos as onnxruntime 1.32's CPU operators compute them: Eigen's float psin/pcos on SSE
// (no FMA): x·2/π rounded to the nearest integer with the 2²³ trick, a four-step Cody–Waite
// reduction (each product and sum rounded), degree-7 sine / degree-8 cosine polynomials selected by
// the quadrant; |x| >= 25966 (sin) or 18838 (cos) reduced with 192 bits of 2/π (Payne–Hanek) in
// integer arithmetic. Checked bit for bit against onnxruntime's Sin and Cos on 650,000 inputs up to
// ±1e5 (tests/unit/tts/kokoro_generator_test.cpp keeps a few). libm's sinf differs on ~15 % of them,
// and an ulp in a Snake activation moves the next dynamic quantisation's codes.
#pragma once

namespace stream_tts::kokoro {

float onnx_sin(float x);
float onnx_cos(float x);

}  // namespace stream_tts::kokoro
