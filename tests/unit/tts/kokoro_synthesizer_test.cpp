// The native kokoro backend through the Synthesizer interface, on the installed models: audio that
// is 24 kHz, long enough and not silent; clause chunks; voices and blends; rate, pitch and volume;
// cancellation; clear errors. Skips (saying how to install them) without the models.
#include <gtest/gtest.h>

#include <cmath>
#include <stop_token>
#include <string>
#include <vector>

#include "models/model_store.h"
#include "common/synthesis_drain.h"
#include "tts/synthesizer.h"

namespace stream_tts {
namespace {

bool models_installed() {
  try {
    (void)models::resolve_model("kokoro-ja");
    (void)models::resolve_model("kokoro-ja-g2p");
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

using Collected = testing_support::DrainedAudio;
using testing_support::drain;
using testing_support::rms;

class KokoroSynthesizerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!models_installed()) return;
    SynthesizerConfig c;
    c.backend = "kokoro";
    synth_ = make_synthesizer(c).release();
  }
  static void TearDownTestSuite() {
    delete synth_;
    synth_ = nullptr;
  }
  void SetUp() override {
    if (synth_ == nullptr) {
      GTEST_SKIP() << "needs the Kokoro models: stream-tts models install kokoro-ja kokoro-ja-g2p";
    }
  }
  Collected say(const std::string& text, const SynthesisOptions& options = {}) {
    auto stream = synth_->start(text, options);
    EXPECT_TRUE(stream.is_ok()) << stream.status().to_string();
    if (!stream) return {};
    return drain(**stream);
  }
  static Synthesizer* synth_;
};
Synthesizer* KokoroSynthesizerTest::synth_ = nullptr;

TEST_F(KokoroSynthesizerTest, SpeaksJapaneseAt24kHz) {
  EXPECT_EQ(synth_->name(), "kokoro");
  EXPECT_EQ(synth_->sample_rate(), 24000);
  EXPECT_EQ(synth_->languages(), std::vector<std::string>{"ja"});
  EXPECT_EQ(synth_->voices().size(), 5u);
  const Collected c = say("今日はいい天気ですね。");
  ASSERT_TRUE(c.status.is_ok()) << c.status.to_string();
  EXPECT_EQ(c.sample_rate, 24000);
  const double seconds = static_cast<double>(c.samples.size()) / 24000.0;
  EXPECT_GT(seconds, 0.8);  // about 1.3 s of speech once the model's padding is trimmed
  EXPECT_LT(seconds, 3.0);
  EXPECT_GT(rms(c.samples), 0.02);
  for (float v : c.samples) ASSERT_TRUE(std::isfinite(v) && std::fabs(v) <= 1.5f);
}

TEST_F(KokoroSynthesizerTest, LongSentenceComesInClauseChunks) {
  const Collected c = say("吾輩は猫である、名前はまだ無い、どこで生まれたかとんと見当がつかぬ。");
  ASSERT_TRUE(c.status.is_ok()) << c.status.to_string();
  EXPECT_GE(c.chunk_sizes.size(), 2u);
  EXPECT_GT(static_cast<double>(c.samples.size()) / 24000.0, 2.5);
}

TEST_F(KokoroSynthesizerTest, RatePitchVolumeAndBlends) {
  const Collected base = say("今日はいい天気ですね。");
  SynthesisOptions fast;
  fast.rate = 1.5f;
  const Collected quick = say("今日はいい天気ですね。", fast);
  EXPECT_LT(quick.samples.size(), base.samples.size() * 0.85);
  SynthesisOptions loud;
  loud.volume = 0.5f;
  const Collected half = say("今日はいい天気ですね。", loud);
  ASSERT_EQ(half.samples.size(), base.samples.size());
  EXPECT_NEAR(rms(half.samples), 0.5 * rms(base.samples), 1e-3);
  SynthesisOptions high;
  high.pitch = 4.0f;
  const Collected higher = say("今日はいい天気ですね。", high);
  EXPECT_TRUE(higher.status.is_ok());
  EXPECT_NE(higher.samples, base.samples);
  SynthesisOptions blend;
  blend.voice = "jf_alpha:0.7,jm_kumo:0.3";
  const Collected blended = say("今日はいい天気ですね。", blend);
  EXPECT_TRUE(blended.status.is_ok());
  EXPECT_GT(rms(blended.samples), 0.02);
  EXPECT_NE(blended.samples, base.samples);
}

TEST_F(KokoroSynthesizerTest, ClearErrors) {
  SynthesisOptions bad;
  bad.voice = "nope";
  auto r = synth_->start("テスト。", bad);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("unknown Kokoro voice 'nope'"), std::string::npos);
  SynthesisOptions rate;
  rate.rate = 9.0f;
  EXPECT_EQ(synth_->start("テスト。", rate).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(synth_->start("", {}).status().code(), StatusCode::kDataError);
  EXPECT_EQ(synth_->start("   ", {}).status().code(), StatusCode::kDataError);
  SynthesizerConfig c;
  c.backend = "kokoro";
  c.model_dir = "/nonexistent/kokoro-ja";
  try {
    (void)make_synthesizer(c);
    FAIL() << "no exception";
  } catch (const Error& e) {
    EXPECT_EQ(e.status().code(), StatusCode::kNotFound);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/kokoro-ja"), std::string::npos) << e.what();
  }
}

TEST_F(KokoroSynthesizerTest, StopsWhenCancelled) {
  auto stream = synth_->start("吾輩は猫である、名前はまだ無い。", {});
  ASSERT_TRUE(stream.is_ok());
  std::stop_source stop;
  stop.request_stop();
  AudioChunk chunk;
  EXPECT_EQ((*stream)->next(&chunk, stop.get_token()).code(), StatusCode::kCancelled);
}

}  // namespace
}  // namespace stream_tts
