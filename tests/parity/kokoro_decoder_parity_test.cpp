// The native decoder up to the generator (src/tts/kokoro/decoder.h) against onnxruntime on the same
// int8 model, tokens, voice (jf_alpha) and speed (1), on the 50 Tatoeba sentences of the predictor
// parity test (the Japanese side of ../shared/data's dev set, phonemised:
// tests/golden/g2p/tatoeba-dev.tsv). Two checks, both bit for bit:
//   1. each stage fed onnxruntime's own input to it: F0_conv / N_conv on
//   its F0 and N curves,
//      asr_res on its asr, encode on cat[asr, F0, N], decode.k on cat[its decode.k-1 output,
//      asr_res, F0, N];
//   2. the whole decoder from onnxruntime's t_en, durations and curves (the decoder's inputs):
//      every intermediate tensor and the output, [2F x 512], the generator's input.
// Exact equality is the bound: one ulp anywhere moves a dynamic quantisation's codes, and the next
// convolution spreads that over a whole frame (docs/kokoro.md, "Parity").
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "kokoro_parity_common.h"
#include "models/model_store.h"
#include "tts/g2p/kokoro_vocab.h"
#include "tts/kokoro/decoder.h"
#include "tts/kokoro/kokoro_voices.h"
#include "tts/kokoro/kokoro_weights.h"
#include "tts/kokoro/module_params.h"
#include "tts/kokoro/quantized_conv1d.h"
#include "tts/kokoro/quantized_ops.h"

namespace stream_tts::kokoro {
namespace {

namespace fs = std::filesystem;
constexpr size_t kSentences = 50;

using parity::model_dir;
using parity::reference_python;
using parity::read_f32;
using parity::transposed;
using parity::Diff;

// STREAM_TTS_PARITY_SENTENCES=n runs the first n only (a quicker look while developing).
size_t sentence_count() {
  const char* v = std::getenv("STREAM_TTS_PARITY_SENTENCES");
  const long n = v ? std::atol(v) : 0;
  return n > 0 && static_cast<size_t>(n) < kSentences ? static_cast<size_t>(n) : kSentences;
}

// Rows of time-major tensors side by side: the graph's channel Concat.
std::vector<float> concat_rows(
    size_t frames, const std::vector<std::pair<const std::vector<float>*, size_t>>& parts) {
  std::vector<float> out;
  for (size_t t = 0; t < frames; ++t)
    for (const auto& [v, cols] : parts)
      out.insert(out.end(), v->begin() + static_cast<std::ptrdiff_t>(t * cols),
                 v->begin() + static_cast<std::ptrdiff_t>((t + 1) * cols));
  return out;
}

std::vector<std::vector<int64_t>> sentence_tokens(const g2p::KokoroVocab& vocab) {
  return parity::sentence_tokens(vocab, sentence_count());
}

TEST(KokoroDecoderParity, MatchesOnnxRuntime) {
  if (const std::string why = parity::missing_reference(); !why.empty()) GTEST_SKIP() << why;
  const std::string dir = parity::model_dir();
  const std::string python = parity::reference_python();
  const auto sentences = sentence_tokens(g2p::KokoroVocab::load(dir + "/vocab.json"));
  ASSERT_EQ(sentences.size(), sentence_count());
  const KokoroWeights weights = KokoroWeights::load(dir + "/kokoro-v1.0.int8.onnx");
  const KokoroDecoder decoder(weights);
  const QuantizedConv1d asr_res_conv(require_param(weights, "decoder.decoder.asr_res.0", "weight"),
                                     &require_param(weights, "decoder.decoder.asr_res.0", "bias"),
                                     0);
  const KokoroVoices voices = KokoroVoices::load(dir + "/voices_ja.npz");
  const std::vector<float> table = voices.style_table("jf_alpha").value();

  const fs::path tmp = parity::temp_dir("st-decoder");
  const std::string d = "/decoder/decoder/";
  const std::vector<std::pair<std::string, std::string>> names = {
      {"t_en", "/encoder/text_encoder/Transpose_2_output_0"},
      {"durations", "/encoder/Clip_output_0"},
      {"asr", "/encoder/MatMul_1_output_0"},
      {"F0_curve", "/encoder/Reshape_output_0"},
      {"N_curve", "/encoder/Reshape_1_output_0"},
      {"F0", d + "F0_conv/Conv_output_0"},
      {"N", d + "N_conv/Conv_output_0"},
      {"asr_res", d + "asr_res/asr_res.0/Conv_output_0"},
      {"encode", d + "encode/Div_3_output_0"},
      {"decode.0", d + "decode.0/Div_3_output_0"},
      {"decode.1", d + "decode.1/Div_3_output_0"},
      {"decode.2", d + "decode.2/Div_3_output_0"},
      {"decode.3", d + "decode.3/Div_4_output_0"}};
  const auto ort_start = std::chrono::steady_clock::now();
  ASSERT_TRUE(parity::run_onnxruntime(python, dir, sentences, tmp, names));
  const double ort_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - ort_start).count();

  const char* block_names[KokoroDecoder::kBlocks] = {"encode", "decode.0", "decode.1", "decode.2",
                                                     "decode.3"};
  Diff fed_f0, fed_n, fed_asr_res, fed_block[KokoroDecoder::kBlocks];
  Diff asr, f0, n, asr_res, block[KokoroDecoder::kBlocks];
  size_t frames_total = 0;
  double fed_s = 0, decoder_s = 0;  // native time of check 1 and check 2
  for (size_t s = 0; s < sentences.size(); ++s) {
    const auto& tokens = sentences[s];
    const fs::path out = tmp / std::to_string(s);
    auto ort = [&](const char* alias) { return read_f32(out / (std::string(alias) + ".f32")); };
    const std::span<const float> style = KokoroVoices::style_row(table, tokens.size() - 2);
    const std::vector<float> ort_durations = ort("durations");
    ASSERT_EQ(ort_durations.size(), tokens.size());
    std::vector<int64_t> durations(ort_durations.size());
    size_t frames = 0;
    for (size_t t = 0; t < durations.size(); ++t) {
      durations[t] = static_cast<int64_t>(ort_durations[t]);
      frames += static_cast<size_t>(durations[t]);
    }
    frames_total += frames;
    const std::vector<float> f0_curve = ort("F0_curve"), n_curve = ort("N_curve");
    ASSERT_EQ(f0_curve.size(), 2 * frames);

    // 1. Each stage on onnxruntime's input to it.
    const std::vector<float> ort_asr = transposed(ort("asr"), KokoroDecoder::kAsrChannels);
    const std::vector<float> ort_f0 = ort("F0"), ort_n = ort("N");
    const std::vector<float> ort_asr_res = transposed(ort("asr_res"), 64);
    fed_f0.add(CurveDownsampler(weights, "decoder.decoder.F0_conv").forward(f0_curve), ort_f0);
    fed_n.add(CurveDownsampler(weights, "decoder.decoder.N_conv").forward(n_curve), ort_n);
    QuantizedActivations style_q;
    dynamic_quantize_linear(style.first(128), &style_q);
    std::vector<std::vector<float>> ort_blocks;
    for (size_t k = 0; k < KokoroDecoder::kBlocks; ++k) {
      ort_blocks.push_back(transposed(ort(block_names[k]), decoder.block(k).out_channels()));
    }
    const std::vector<float> ort_t_en = transposed(ort("t_en"), KokoroDecoder::kAsrChannels);
    const auto native_start = std::chrono::steady_clock::now();
    {
      std::vector<float> y;
      asr_res_conv.forward(ort_asr, frames, &y);
      fed_asr_res.add(y, ort_asr_res);
      std::vector<float> input =
          concat_rows(frames, {{&ort_asr, KokoroDecoder::kAsrChannels}, {&ort_f0, 1}, {&ort_n, 1}});
      fed_block[0].add(decoder.block(0).forward(input, frames, style_q), ort_blocks[0]);
      for (size_t k = 1; k < KokoroDecoder::kBlocks; ++k) {
        input = concat_rows(frames, {{&ort_blocks[k - 1], decoder.block(k - 1).out_channels()},
                                     {&ort_asr_res, 64},
                                     {&ort_f0, 1},
                                     {&ort_n, 1}});
        fed_block[k].add(decoder.block(k).forward(input, frames, style_q), ort_blocks[k]);
      }
    }
    const auto decoder_start = std::chrono::steady_clock::now();
    fed_s += std::chrono::duration<double>(decoder_start - native_start).count();
    // 2. The whole decoder from its inputs: t_en, the durations, the curves, the style.
    KokoroDecoder::Trace trace;
    auto result = decoder.forward(ort_t_en, durations, f0_curve, n_curve, style, &trace);
    decoder_s +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - decoder_start).count();
    ASSERT_TRUE(result.is_ok()) << result.status().to_string();
    ASSERT_EQ(result->frames2, 2 * frames);
    ASSERT_EQ(trace.blocks.size(), KokoroDecoder::kBlocks);
    asr.add(trace.asr, ort_asr);
    f0.add(trace.f0, ort_f0);
    n.add(trace.n, ort_n);
    asr_res.add(trace.asr_res, ort_asr_res);
    for (size_t k = 0; k < KokoroDecoder::kBlocks; ++k)
      block[k].add(trace.blocks[k], ort_blocks[k]);
    EXPECT_EQ(trace.blocks.back(), result->x);
    if (block[KokoroDecoder::kBlocks - 1].different != 0) {
      std::printf("  sentence %zu (%zu tokens, %zu frames): output differs so far: %s\n", s,
                  tokens.size(), frames, block[KokoroDecoder::kBlocks - 1].text().c_str());
    }
  }
  std::printf(
      "%zu sentences, %zu frames; onnxruntime (whole model, one thread) %.1f s; native "
      "decoder end to end %.2f s, blocks fed one by one %.2f s\n",
      sentences.size(), frames_total, ort_s, decoder_s, fed_s);
  std::printf("fed onnxruntime's inputs:\n");
  std::printf("  F0_conv: %s\n", fed_f0.text().c_str());
  std::printf("  N_conv: %s\n", fed_n.text().c_str());
  std::printf("  asr_res: %s\n", fed_asr_res.text().c_str());
  for (size_t k = 0; k < KokoroDecoder::kBlocks; ++k)
    std::printf("  %s: %s\n", block_names[k], fed_block[k].text().c_str());
  std::printf("end to end from t_en, durations, curves:\n");
  std::printf("  asr (alignment): %s\n", asr.text().c_str());
  std::printf("  F0_conv: %s\n", f0.text().c_str());
  std::printf("  N_conv: %s\n", n.text().c_str());
  std::printf("  asr_res: %s\n", asr_res.text().c_str());
  for (size_t k = 0; k < KokoroDecoder::kBlocks; ++k)
    std::printf("  %s%s: %s\n", block_names[k], k + 1 == KokoroDecoder::kBlocks ? " (output)" : "",
                block[k].text().c_str());
  EXPECT_EQ(fed_f0.different, 0u) << fed_f0.text();
  EXPECT_EQ(fed_n.different, 0u) << fed_n.text();
  EXPECT_EQ(fed_asr_res.different, 0u) << fed_asr_res.text();
  for (size_t k = 0; k < KokoroDecoder::kBlocks; ++k)
    EXPECT_EQ(fed_block[k].different, 0u) << block_names[k] << ": " << fed_block[k].text();
  EXPECT_EQ(asr.different, 0u) << asr.text();
  EXPECT_EQ(asr_res.different, 0u) << asr_res.text();
  for (size_t k = 0; k < KokoroDecoder::kBlocks; ++k)
    EXPECT_EQ(block[k].different, 0u) << block_names[k] << ": " << block[k].text();
  fs::remove_all(tmp);
}

}  // namespace
}  // namespace stream_tts::kokoro
