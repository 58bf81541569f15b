// Issue 6, part 5: the whole native model against onnxruntime on the same tokens, voice (jf_alpha)
// and speed (1), from the tokens to the waveform — 50 sentences of ../shared/data (the Python front
// end's phonemes): predicted durations identical on >= 95 % of the sentences, and where they are,
// the waveforms' mel-spectrogram SNR >= 30 dB (tests/common/mel_snr.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "common/mel_snr.h"
#include "kokoro_parity_common.h"
#include "tts/kokoro/kokoro_model.h"

namespace stream_tts::kokoro {
namespace {

constexpr size_t kSentences = 50;
constexpr double kMinMelSnrDb = 30.0;

TEST(KokoroAudioParity, DurationsAndMelSpectrogramMatchOnnxRuntime) {
  if (const std::string why = parity::missing_reference(); !why.empty()) GTEST_SKIP() << why;
  const std::string dir = parity::model_dir();
  const std::string python = parity::reference_python();
  const KokoroModel model(dir);
  const auto sentences = parity::sentence_tokens(model.vocab(), kSentences);
  ASSERT_EQ(sentences.size(), kSentences);
  const parity::fs::path tmp = parity::temp_dir("st-kokoro-audio");
  ASSERT_TRUE(parity::run_onnxruntime(python, dir, sentences, tmp,
                                      {{"durations", "/encoder/Clip_output_0"}, {"audio", "audio"}}));
  auto table = model.voices().style_table("jf_alpha");
  ASSERT_TRUE(table.is_ok());

  size_t same_durations = 0, identical_audio = 0;
  std::vector<double> snrs;  // of the waveforms that are not bit-identical
  for (size_t s = 0; s < sentences.size(); ++s) {
    const parity::fs::path out = tmp / std::to_string(s);
    const std::vector<float> ort_durations = parity::read_f32(out / "durations.f32");
    const std::vector<float> ort_audio = parity::read_f32(out / "audio.f32");
    const std::vector<int64_t> tokens(sentences[s].begin() + 1, sentences[s].end() - 1);
    auto prepared = model.prepare(tokens, *table, {});
    ASSERT_TRUE(prepared.is_ok()) << prepared.status().to_string();
    const std::vector<float> mine(prepared->durations.begin(), prepared->durations.end());
    if (mine != ort_durations) {
      std::printf("sentence %zu: durations differ\n", s);
      continue;
    }
    ++same_durations;
    auto audio = model.generate(*prepared, 0, prepared->frames2, 0);
    ASSERT_TRUE(audio.is_ok()) << audio.status().to_string();
    ASSERT_EQ(audio->size(), ort_audio.size()) << "sentence " << s;
    if (*audio == ort_audio) {
      ++identical_audio;
      continue;
    }
    const double snr = test::mel_snr_db(ort_audio, *audio);
    snrs.push_back(snr);
    EXPECT_GE(snr, kMinMelSnrDb) << "sentence " << s;
  }
  std::sort(snrs.begin(), snrs.end());
  std::printf("durations identical on %zu of %zu sentences; of those, %zu waveforms bit-identical, "
              "the other %zu at mel SNR min %.1f dB, median %.1f dB\n",
              same_durations, sentences.size(), identical_audio, snrs.size(),
              snrs.empty() ? 0.0 : snrs.front(), snrs.empty() ? 0.0 : snrs[snrs.size() / 2]);
  EXPECT_GE(same_durations * 100, sentences.size() * 95);
  std::error_code ec;
  parity::fs::remove_all(tmp, ec);
}

}  // namespace
}  // namespace stream_tts::kokoro
