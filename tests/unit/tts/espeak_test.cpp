// The eSpeak NG backend (libespeak-ng, Debian's espeak-ng-data): English audio, options and errors.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "tts/espeak/espeak_synthesizer.h"
#include "tts/synthesizer.h"

namespace stream_tts {
namespace {

constexpr const char* kSentence = "The quick brown fox jumps over the lazy dog.";

double rms(const std::vector<float>& x) {
  double sum = 0;
  for (float v : x) sum += static_cast<double>(v) * v;
  return x.empty() ? 0.0 : std::sqrt(sum / static_cast<double>(x.size()));
}

class EspeakTest : public ::testing::Test {
 protected:
  void SetUp() override {
    try {
      synth_ = make_espeak_synthesizer({});
    } catch (const Error& e) {
      GTEST_SKIP() << "needs espeak-ng-data (scripts/install-deps.sh): " << e.what();
    }
  }
  std::unique_ptr<Synthesizer> synth_;
};

TEST_F(EspeakTest, SynthesizesEnglish) {
  EXPECT_EQ(synth_->name(), "espeak");
  EXPECT_EQ(synth_->sample_rate(), 22050);
  auto stream = synth_->start(kSentence, {});
  ASSERT_TRUE(stream.is_ok()) << stream.status().to_string();
  std::vector<float> samples;
  size_t chunks = 0;
  for (;;) {
    AudioChunk chunk;
    Status s = (*stream)->next(&chunk);
    ASSERT_TRUE(s.is_ok()) << s.to_string();
    EXPECT_EQ(chunk.sample_rate, 22050);
    samples.insert(samples.end(), chunk.samples.begin(), chunk.samples.end());
    ++chunks;
    if (chunk.is_last) break;
  }
  AudioChunk after;
  EXPECT_EQ((*stream)->next(&after).code(), StatusCode::kEndOfStream);
  EXPECT_GT(chunks, 1u);
  const double seconds = static_cast<double>(samples.size()) / 22050.0;
  EXPECT_GT(seconds, 1.0);
  EXPECT_LT(seconds, 5.0);
  EXPECT_GT(rms(samples), 0.01);
}

TEST_F(EspeakTest, RateChangesDuration) {
  auto normal = synthesize_all(*synth_, kSentence);
  SynthesisOptions fast;
  fast.rate = 2.0f;
  auto quick = synthesize_all(*synth_, kSentence, fast);
  ASSERT_TRUE(normal.is_ok());
  ASSERT_TRUE(quick.is_ok());
  const double ratio = static_cast<double>(quick->size()) / static_cast<double>(normal->size());
  EXPECT_LT(ratio, 0.75);
  EXPECT_GT(ratio, 0.3);
}

TEST_F(EspeakTest, BadVoiceOrOptionsAreInvalidArguments) {
  SynthesisOptions bad_voice;
  bad_voice.voice = "no-such-voice-xx";
  auto stream = synth_->start(kSentence, bad_voice);
  ASSERT_FALSE(stream.is_ok());
  EXPECT_EQ(stream.status().code(), StatusCode::kInvalidArgument);
  SynthesisOptions bad_rate;
  bad_rate.rate = 10.0f;
  EXPECT_EQ(synth_->start(kSentence, bad_rate).status().code(), StatusCode::kInvalidArgument);
}

TEST(EspeakLoadTest, UnknownDefaultVoiceIsNotFound) {
  SynthesizerConfig config;
  config.voice = "no-such-voice-xx";
  try {
    make_espeak_synthesizer(config);
    ADD_FAILURE() << "expected Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.status().code(), StatusCode::kNotFound);
  }
}

}  // namespace
}  // namespace stream_tts
