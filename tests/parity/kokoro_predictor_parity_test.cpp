// The native text encoder and duration predictor (src/tts/kokoro/text_encoder.h,
// duration_predictor.h) against onnxruntime on the same int8 model, tokens, voice (jf_alpha) and
// speed (1), on 50 Tatoeba sentences (the Japanese side of ../shared/data's dev set, phonemised:
// tests/golden/g2p/tatoeba-dev.tsv). Three checks:
//   1. the text encoder on the tokens (it depends on nothing else): bit for bit;
//   2. the duration predictor fed onnxruntime's own bert_encoder output (d_en): each stage bit for
//      bit — predictor.text_encoder, predictor.lstm, duration_proj, the sums and the durations;
//   3. the alignment and predictor.shared fed onnxruntime's d and durations, and the F0 and N
//      curves (their first blocks, then all three and the projections) on its shared output:
//      bit for bit;
//   4. end to end, tokens → native ALBERT → native predictor: d_en bit for bit, the durations
//      identical on every sentence (part 5 of issue 6 asks for >= 95 %).
// Exact equality is the bound throughout: one ulp anywhere moves a dynamic quantisation's codes,
// and the LSTMs and ALBERT's 12 passes carry that along (docs/kokoro.md, "Parity").
// tools/kokoro/ort_intermediates.py makes the intermediate values graph outputs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "kokoro_parity_common.h"
#include "models/model_store.h"
#include "tts/g2p/kokoro_vocab.h"
#include "tts/kokoro/adain_block.h"
#include "tts/kokoro/albert_encoder.h"
#include "tts/kokoro/duration_predictor.h"
#include "tts/kokoro/f0n_predictor.h"
#include "tts/kokoro/frame_features.h"
#include "tts/kokoro/kokoro_voices.h"
#include "tts/kokoro/kokoro_weights.h"
#include "tts/kokoro/text_encoder.h"

namespace stream_tts::kokoro {
namespace {

namespace fs = std::filesystem;
constexpr size_t kSentences = 50;

using parity::model_dir;
using parity::reference_python;
using parity::read_f32;
using parity::transposed;
using parity::Diff;
std::vector<std::vector<int64_t>> sentence_tokens(const g2p::KokoroVocab& vocab) {
  return parity::sentence_tokens(vocab, kSentences);
}

TEST(KokoroPredictorParity, DurationsMatchOnnxRuntime) {
  if (const std::string why = parity::missing_reference(); !why.empty()) GTEST_SKIP() << why;
  const std::string dir = parity::model_dir();
  const std::string python = parity::reference_python();
  const auto sentences = sentence_tokens(g2p::KokoroVocab::load(dir + "/vocab.json"));
  ASSERT_EQ(sentences.size(), kSentences);
  const KokoroWeights weights = KokoroWeights::load(dir + "/kokoro-v1.0.int8.onnx");
  const AlbertEncoder albert(weights);
  const TextEncoder text_encoder(weights);
  const DurationPredictor predictor(weights);
  const FrameFeatures frame_features(weights);
  const AdainResBlock f0_block(weights, "encoder.predictor.F0.0", false);
  const AdainResBlock n_block(weights, "encoder.predictor.N.0", false);
  const F0NPredictor f0n(weights);
  const KokoroVoices voices = KokoroVoices::load(dir + "/voices_ja.npz");
  const std::vector<float> table = voices.style_table("jf_alpha").value();

  const fs::path tmp = parity::temp_dir("st-predictor");
  const std::string p = "/encoder/predictor/";
  const std::vector<std::pair<std::string, std::string>> names = {
      {"d_en", "/encoder/bert_encoder/Add_output_0"},
      {"cnn.0", "/encoder/text_encoder/cnn.0/cnn.0.2/LeakyRelu_output_0"},
      {"t_en", "/encoder/text_encoder/Transpose_2_output_0"},
      {"lstms.0", p + "text_encoder/lstms.0/Transpose_2_output_0"},
      {"d", p + "text_encoder/Concat_4_output_0"},
      {"lstm", p + "lstm/Transpose_2_output_0"},
      {"logits", p + "duration_proj/linear_layer/Add_output_0"},
      {"sums", p + "ReduceSum_output_0"},
      {"durations", "/encoder/Clip_output_0"},
      {"en", "/encoder/MatMul_output_0"},
      {"shared", "/encoder/shared/LSTM_output_0"},
      {"F0.0", "/encoder/F0.0/Div_2_output_0"},
      {"N.0", "/encoder/N.0/Div_2_output_0"},
      {"F0", "/encoder/F0_proj/Conv_output_0"},
      {"N", "/encoder/N_proj/Conv_output_0"}};
  ASSERT_TRUE(parity::run_onnxruntime(python, dir, sentences, tmp, names));

  Diff cnn0, t_en, d, lstm, logits, sums, en, shared, d_en_native, f0_0, n_0, f0_curve, n_curve;
  size_t durations_same = 0, end_to_end_same = 0, tokens_total = 0, end_to_end_tokens_off = 0;
  for (size_t s = 0; s < sentences.size(); ++s) {
    const auto& tokens = sentences[s];
    const size_t n = tokens.size();
    const fs::path out = tmp / std::to_string(s);
    auto ort = [&](const char* alias) { return read_f32(out / (std::string(alias) + ".f32")); };
    const std::span<const float> style = KokoroVoices::style_row(table, n - 2);

    TextEncoder::Trace trace;
    auto encoded = text_encoder.forward(tokens, &trace);
    ASSERT_TRUE(encoded.is_ok()) << encoded.status().to_string();
    cnn0.add(trace[1].second, transposed(ort("cnn.0"), TextEncoder::kChannels));
    t_en.add(*encoded, transposed(ort("t_en"), TextEncoder::kChannels));

    const std::vector<float> ort_d_en = ort("d_en");
    auto fed = predictor.forward(ort_d_en, n, style, 1.0f);
    ASSERT_TRUE(fed.is_ok()) << fed.status().to_string();
    d.add(fed->d, ort("d"));
    lstm.add(fed->lstm, ort("lstm"));
    logits.add(fed->logits, ort("logits"));
    sums.add(fed->sums, ort("sums"));
    const std::vector<float> ort_durations = ort("durations");
    ASSERT_EQ(ort_durations.size(), n);
    std::vector<float> mine(fed->durations.begin(), fed->durations.end());
    const bool same = mine == ort_durations;
    durations_same += same;

    // The alignment and the shared LSTM on onnxruntime's own d and durations.
    std::vector<int64_t> ort_frames(n);
    for (size_t t = 0; t < n; ++t) ort_frames[t] = static_cast<int64_t>(ort_durations[t]);
    auto frames = frame_features.forward(ort("d"), ort_frames);
    ASSERT_TRUE(frames.is_ok()) << frames.status().to_string();
    en.add(frames->en, transposed(ort("en"), FrameFeatures::kInput));
    shared.add(frames->shared, ort("shared"));
    // The first F0 and N blocks on onnxruntime's shared output (the same bits as ours).
    QuantizedActivations style_q;
    dynamic_quantize_linear(style.subspan(128), &style_q);
    const std::vector<float> ort_shared = ort("shared");
    f0_0.add(f0_block.forward(ort_shared, frames->frames, style_q),
             transposed(ort("F0.0"), f0_block.channels()));
    n_0.add(n_block.forward(ort_shared, frames->frames, style_q),
            transposed(ort("N.0"), n_block.channels()));
    auto curves = f0n.forward(ort_shared, frames->frames, style);
    ASSERT_TRUE(curves.is_ok()) << curves.status().to_string();
    f0_curve.add(curves->f0, ort("F0"));
    n_curve.add(curves->n, ort("N"));

    auto bert = albert.forward(tokens);
    ASSERT_TRUE(bert.is_ok()) << bert.status().to_string();
    d_en_native.add(bert->projected, ort_d_en);
    auto native = predictor.forward(bert->projected, n, style, 1.0f);
    ASSERT_TRUE(native.is_ok()) << native.status().to_string();
    size_t off = 0;
    for (size_t t = 0; t < n; ++t) off += static_cast<float>(native->durations[t]) != ort_durations[t];
    end_to_end_same += off == 0;
    end_to_end_tokens_off += off;
    tokens_total += n;
    if (!same || off != 0) {
      std::printf("  sentence %zu (%zu tokens): fed ORT's d_en %s; end to end %zu tokens differ\n", s,
                  n, same ? "identical" : "DIFFERENT", off);
    }
  }
  std::printf("text encoder, cnn.0: %s\n", cnn0.text().c_str());
  std::printf("text encoder output: %s\n", t_en.text().c_str());
  std::printf("predictor.text_encoder (fed ORT's d_en): %s\n", d.text().c_str());
  std::printf("predictor.lstm: %s\n", lstm.text().c_str());
  std::printf("duration_proj: %s\n", logits.text().c_str());
  std::printf("duration sums: %s\n", sums.text().c_str());
  std::printf("durations identical, fed ORT's d_en: %zu of %zu sentences\n", durations_same,
              sentences.size());
  std::printf("alignment (fed ORT's d and durations): %s\n", en.text().c_str());
  std::printf("predictor.shared: %s\n", shared.text().c_str());
  std::printf("F0.0 block: %s\n", f0_0.text().c_str());
  std::printf("N.0 block: %s\n", n_0.text().c_str());
  std::printf("F0 curve: %s\n", f0_curve.text().c_str());
  std::printf("N curve: %s\n", n_curve.text().c_str());
  std::printf("native ALBERT's d_en: %s\n", d_en_native.text().c_str());
  std::printf("durations identical, end to end (native ALBERT): %zu of %zu sentences (%zu of %zu "
              "tokens differ)\n",
              end_to_end_same, sentences.size(), end_to_end_tokens_off, tokens_total);
  // Every stage bit for bit when fed onnxruntime's tensors.
  EXPECT_EQ(cnn0.different, 0u) << cnn0.text();
  EXPECT_EQ(t_en.different, 0u) << t_en.text();
  EXPECT_EQ(d.different, 0u) << d.text();
  EXPECT_EQ(lstm.different, 0u) << lstm.text();
  EXPECT_EQ(logits.different, 0u) << logits.text();
  EXPECT_EQ(sums.different, 0u) << sums.text();
  EXPECT_EQ(durations_same, sentences.size());
  EXPECT_EQ(en.different, 0u) << en.text();
  EXPECT_EQ(shared.different, 0u) << shared.text();
  EXPECT_EQ(f0_0.different, 0u) << f0_0.text();
  EXPECT_EQ(n_0.different, 0u) << n_0.text();
  EXPECT_EQ(f0_curve.different, 0u) << f0_curve.text();
  EXPECT_EQ(n_curve.different, 0u) << n_curve.text();
  EXPECT_EQ(d_en_native.different, 0u) << d_en_native.text();
  EXPECT_EQ(end_to_end_same, sentences.size());
  fs::remove_all(tmp);
}

}  // namespace
}  // namespace stream_tts::kokoro
