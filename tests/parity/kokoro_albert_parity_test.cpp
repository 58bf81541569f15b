// The native ALBERT text encoder (src/tts/kokoro/albert_encoder.h) against onnxruntime on the same
// int8 model and tokens: ALBERT's last hidden state and the bert_encoder projection, made graph
// outputs by tools/kokoro/ort_intermediates.py. With onnxruntime 1.32's own float arithmetic (MLAS's
// softmax and tanh, its LayerNormalization and SkipLayerNormalization kernels; docs/kokoro.md) every
// stage, every pass and the end result are bit-identical, so the bounds are exact equality: a single
// ulp anywhere would flip quantisation codes and cascade through the 12 re-quantised passes.
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
#include <sstream>
#include <string>
#include <vector>

#include "kokoro_parity_common.h"
#include "models/model_store.h"
#include "tts/kokoro/albert_encoder.h"
#include "tts/kokoro/kokoro_weights.h"

namespace stream_tts::kokoro {
namespace {

namespace fs = std::filesystem;

using parity::model_dir;
using parity::reference_python;
using parity::read_f32;

// Token ids of three Tatoeba sentences' phonemes (tests/golden/g2p/tatoeba-dev.tsv, lines 1, 6, 41,
// through the model's vocab.json), padding 0s included.
const std::vector<std::vector<int64_t>> kSentences = {
    {0,  75,  51, 158, 115, 16,  55, 43, 46, 47, 16,  75, 43,  16,  43, 125, 110,
     53, 110, 16, 62,  57,  16,  46, 57, 56, 57, 16,  53, 110, 125, 43, 51,  16,
     53, 43,  53, 43,  125, 164, 51, 55, 43, 61, 101, 16, 53,  43,  6,  0},
    {0,  43, 125, 164, 51, 16, 56, 57,  16, 55, 43, 55,  43, 16, 56, 57, 16,
     44, 57, 53,  110, 16, 57, 16, 110, 53, 47, 51, 125, 47, 62, 47, 16, 50,
     57, 77, 51,  51,  16, 46, 43, 53,  47, 16, 56, 43,  56, 46, 43, 4,  0},
    {0,   14, 57, 50, 43, 52, 57, 158, 16, 92, 57,  18, 43, 51, 55, 43, 61,
     101, 15, 16, 62, 57, 3,  16, 62,  57, 55, 110, 16, 75, 43, 16, 47, 92,
     43,  57, 16, 46, 47, 16, 51, 51,  16, 55, 43,  77, 51, 62, 43, 4,  0},
};

struct Agreement {
  double relative_l2 = 0;  // ||native - ort|| / ||ort||
  double min_cosine = 1;   // over tokens
  double max_abs = 0;
};

Agreement compare(const std::vector<float>& native, const std::vector<float>& ort, size_t cols) {
  Agreement a;
  double diff = 0, norm = 0;
  for (size_t row = 0; row * cols < ort.size(); ++row) {
    double dot = 0, nn = 0, oo = 0;
    for (size_t c = 0; c < cols; ++c) {
      const double x = native[row * cols + c], y = ort[row * cols + c];
      dot += x * y;
      nn += x * x;
      oo += y * y;
      diff += (x - y) * (x - y);
      a.max_abs = std::max(a.max_abs, std::abs(x - y));
    }
    norm += oo;
    a.min_cosine = std::min(a.min_cosine, dot / std::sqrt(nn * oo + 1e-30));
  }
  a.relative_l2 = std::sqrt(diff / (norm + 1e-30));
  return a;
}

// ORT's names of the tensors AlbertEncoder::forward traces (its first pass).
const char* const kLayer = "/encoder/bert/encoder/albert_layer_groups.0/albert_layers.0/";
std::vector<std::pair<std::string, std::string>> traced_names() {
  const std::string l = kLayer;
  return {{"embeddings", "/encoder/bert/embeddings/LayerNorm/LayerNormalization_output_0"},
          {"mapping_in", "/encoder/bert/encoder/embedding_hidden_mapping_in/Add_output_0"},
          {"pass0.query", l + "attention/query/Add_output_0"},
          {"pass0.context", l + "attention/Reshape_3_output_0"},
          {"pass0.attention_norm", l + "attention/LayerNorm/LayerNormalization_output_0"},
          {"pass0.gelu", l + "activation/Mul_3_output_0"},
          {"pass0.output", l + "full_layer_layer_norm/LayerNormalization_output_0"},
          {"pass1.query", l + "attention/query_1/Add_output_0"},
          {"pass1.context", l + "attention_1/Reshape_3_output_0"},
          {"pass1.attention_norm", l + "attention/LayerNorm_1/LayerNormalization_output_0"},
          {"pass1.gelu", l + "activation_1/Mul_3_output_0"}};
}
std::vector<std::pair<std::string, std::string>> pass_names() {
  std::vector<std::pair<std::string, std::string>> names;
  for (int pass = 1; pass < 12; ++pass) {
    names.emplace_back("pass" + std::to_string(pass) + ".output",
                       std::string(kLayer) + "full_layer_layer_norm_" + std::to_string(pass) +
                           "/LayerNormalization_output_0");
  }
  return names;
}

TEST(KokoroAlbertParity, MatchesOnnxRuntime) {
  if (const std::string why = parity::missing_reference(); !why.empty()) GTEST_SKIP() << why;
  const std::string dir = parity::model_dir();
  const std::string python = parity::reference_python();
  const KokoroWeights weights = KokoroWeights::load(dir + "/kokoro-v1.0.int8.onnx");
  const AlbertEncoder albert(weights);
  const fs::path tmp = parity::temp_dir("st-albert");
  std::vector<std::pair<std::string, std::string>> names = {
      {"bert", "/encoder/bert/encoder/albert_layer_groups.0/albert_layers.0/full_layer_layer_norm_11/"
               "LayerNormalization_output_0"},
      {"bert_encoder", "/encoder/bert_encoder/Add_output_0"}};
  for (const auto& name : traced_names()) names.push_back(name);
  for (const auto& name : pass_names()) names.push_back(name);
  ASSERT_TRUE(parity::run_onnxruntime(python, dir, kSentences, tmp, names));
  for (size_t s = 0; s < kSentences.size(); ++s) {
    const auto& tokens = kSentences[s];
    const fs::path out = tmp / std::to_string(s);
    const std::vector<float> ort_hidden = read_f32(out / "bert.f32");
    const std::vector<float> ort_projected = read_f32(out / "bert_encoder.f32");
    ASSERT_EQ(ort_hidden.size(), tokens.size() * AlbertEncoder::kHidden);
    ASSERT_EQ(ort_projected.size(), tokens.size() * AlbertEncoder::kProjected);

    const auto start = std::chrono::steady_clock::now();
    (void)albert.forward(tokens);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::printf("  native ALBERT + projection, %zu tokens: %.0f ms (one thread)\n", tokens.size(),
                ms);
    AlbertEncoder::Trace trace;
    auto native = albert.forward(tokens, &trace);
    ASSERT_TRUE(native.is_ok()) << native.status().to_string();
    // Where the two part, if they do: the first pass stage by stage (printed, not asserted).
    for (const auto& [alias, values] : trace) {
      const std::vector<float> ort = read_f32(out / (alias + ".f32"));
      if (ort.size() != values.size()) {
        ADD_FAILURE() << alias << ": " << ort.size() << " values from onnxruntime, "
                      << values.size() << " native";
        continue;
      }
      const Agreement a = compare(values, ort, values.size() / tokens.size());
      std::printf("  %-22s rel-L2 %.2e  min cosine %.6f  max |diff| %.3g\n", alias.c_str(),
                  a.relative_l2, a.min_cosine, a.max_abs);
      EXPECT_EQ(a.max_abs, 0.0) << alias;
    }
    // Each pass on its own, fed onnxruntime's output of the pass before: were one pass to differ,
    // this isolates it from the cascade below.
    double worst_pass = 0, worst_pass_cosine = 1;  // rel-L2, cosine
    for (int pass = 1; pass < 12; ++pass) {
      const std::vector<float> before =
          read_f32(out / ("pass" + std::to_string(pass - 1) + ".output.f32"));
      const std::vector<float> after =
          read_f32(out / ("pass" + std::to_string(pass) + ".output.f32"));
      auto mine = albert.layer(before, tokens.size());
      ASSERT_TRUE(mine.is_ok()) << mine.status().to_string();
      const Agreement a = compare(*mine, after, AlbertEncoder::kHidden);
      worst_pass = std::max(worst_pass, a.relative_l2);
      worst_pass_cosine = std::min(worst_pass_cosine, a.min_cosine);
    }
    std::printf("  one pass on onnxruntime's input: worst rel-L2 %.2e, min cosine %.7f\n",
                worst_pass, worst_pass_cosine);
    EXPECT_EQ(worst_pass, 0.0) << s;

    // End to end through the 12 re-quantised passes.
    const Agreement hidden = compare(native->hidden, ort_hidden, AlbertEncoder::kHidden);
    const Agreement projected =
        compare(native->projected, ort_projected, AlbertEncoder::kProjected);
    std::printf(
        "sentence %zu (%zu tokens): hidden rel-L2 %.2e, min cosine %.6f, max |diff| %.3g; "
        "projection rel-L2 %.2e, min cosine %.6f, max |diff| %.3g\n",
        s, tokens.size(), hidden.relative_l2, hidden.min_cosine, hidden.max_abs,
        projected.relative_l2, projected.min_cosine, projected.max_abs);
    EXPECT_EQ(hidden.max_abs, 0.0) << s;
    EXPECT_EQ(projected.max_abs, 0.0) << s;
  }
  fs::remove_all(tmp);
}

}  // namespace
}  // namespace stream_tts::kokoro
