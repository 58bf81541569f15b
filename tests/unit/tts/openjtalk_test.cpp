// The in-process Open JTalk backend against the real Debian dictionary and voice: audio properties,
// streaming (several chunks, a short first one), bit parity with the HTS engine's whole-utterance
// path, options, cancellation, errors and odd input.
#include <HTS_engine.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <stop_token>
#include <string>
#include <vector>

#include "tts/openjtalk/openjtalk_synthesizer.h"
#include "tts/openjtalk/text_analyzer.h"
#include "common/synthesis_drain.h"
#include "tts/synthesizer.h"

namespace stream_tts {
namespace {

constexpr const char* kDictionaryDir = "/var/lib/mecab/dic/open-jtalk/naist-jdic";
constexpr const char* kVoiceFile =
    "/usr/share/hts-voice/nitech-jp-atr503-m001/nitech_jp_atr503_m001.htsvoice";
constexpr const char* kShortText = "今日はいい天気ですね。";
constexpr const char* kLongText =
    "吾輩は猫である。名前はまだ無い。どこで生まれたかとんと見当がつかぬ。";  // 6.4 s

using Collected = testing_support::DrainedAudio;
using testing_support::drain;
using testing_support::rms;

bool all_in_range(const std::vector<float>& x) {
  return std::all_of(x.begin(), x.end(),
                     [](float v) { return std::isfinite(v) && v >= -1.0f && v <= 1.0f; });
}

// The reference: the same labels through HTS_Engine_synthesize_from_strings, the library's one-shot
// path, on an engine of its own, converted to float the way the backend documents (/32768,
// clamped).
std::vector<float> whole_utterance_reference(const std::string& text, double speed,
                                             double half_tones) {
  TextAnalyzer analyzer(kDictionaryDir);
  std::vector<std::string> labels;
  EXPECT_TRUE(analyzer.analyze(text, &labels).is_ok());
  HTS_Engine engine;
  HTS_Engine_initialize(&engine);
  std::string voice = kVoiceFile;
  char* voices[] = {voice.data()};
  EXPECT_EQ(HTS_Engine_load(&engine, voices, 1), TRUE);
  HTS_Engine_set_speed(&engine, speed);
  HTS_Engine_add_half_tone(&engine, half_tones);
  std::vector<char*> lines;
  for (std::string& l : labels) lines.push_back(l.data());
  EXPECT_EQ(HTS_Engine_synthesize_from_strings(&engine, lines.data(), lines.size()), TRUE);
  std::vector<float> out(HTS_Engine_get_nsamples(&engine));
  for (size_t i = 0; i < out.size(); ++i) {
    const double x = HTS_Engine_get_generated_speech(&engine, i) / 32768.0;
    out[i] = std::clamp(static_cast<float>(x), -1.0f, 1.0f);
  }
  HTS_Engine_refresh(&engine);  // clear() frees the model only, not the utterance
  HTS_Engine_clear(&engine);
  return out;
}

class OpenJTalkTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!std::filesystem::exists(std::string(kDictionaryDir) + "/sys.dic") ||
        !std::filesystem::exists(kVoiceFile)) {
      return;  // each test skips, saying why
    }
    synth_ = make_openjtalk_synthesizer({}).release();
  }
  static void TearDownTestSuite() {
    delete synth_;
    synth_ = nullptr;
  }
  void SetUp() override {
    if (synth_ == nullptr) {
      GTEST_SKIP() << "needs the Debian packages open-jtalk-mecab-naist-jdic and "
                      "hts-voice-nitech-jp-atr503-m001"
                      " (scripts/install-deps.sh)";
    }
  }

  Collected say(const std::string& text, const SynthesisOptions& options = {}) {
    auto stream = synth_->start(text, options);
    EXPECT_TRUE(stream.is_ok()) << stream.status().to_string();
    if (!stream) return {};
    return drain(**stream);
  }

  static Synthesizer* synth_;  // loading the dictionary and voice once keeps the suite fast
};
Synthesizer* OpenJTalkTest::synth_ = nullptr;

TEST_F(OpenJTalkTest, DescribesItself) {
  EXPECT_EQ(synth_->name(), "openjtalk");
  EXPECT_EQ(synth_->sample_rate(), 48000);
  EXPECT_EQ(synth_->languages(), std::vector<std::string>{"ja"});
  ASSERT_EQ(synth_->voices().size(), 1u);
  EXPECT_EQ(synth_->voices()[0].name, "nitech_jp_atr503_m001");
  EXPECT_EQ(synth_->voices()[0].lang, "ja");
}

TEST_F(OpenJTalkTest, SynthesizesAShortSentence) {
  Collected c = say(kShortText);
  ASSERT_TRUE(c.status.is_ok()) << c.status.to_string();
  EXPECT_EQ(c.sample_rate, 48000);
  const double seconds = static_cast<double>(c.samples.size()) / 48000.0;
  EXPECT_GT(seconds, 1.0);
  EXPECT_LT(seconds, 4.0);
  EXPECT_GT(rms(c.samples), 0.01) << "speech, not silence";
  EXPECT_TRUE(all_in_range(c.samples));
}

TEST_F(OpenJTalkTest, LongSentenceComesInSeveralChunksWithAShortFirstOne) {
  auto stream = synth_->start(kLongText, {});
  ASSERT_TRUE(stream.is_ok());
  Collected c = drain(**stream);
  ASSERT_TRUE(c.status.is_ok()) << c.status.to_string();
  EXPECT_GE(c.chunk_sizes.size(), 10u);
  EXPECT_EQ(c.chunk_sizes.front(), 20u * 240u) << "first block: 20 frames of 5 ms";
  EXPECT_LT(c.chunk_sizes.front() * 20, c.samples.size())
      << "first chunk is a small part of the whole";
  // After the last chunk the stream says so and stays finished.
  AudioChunk after;
  EXPECT_EQ((*stream)->next(&after).code(), StatusCode::kEndOfStream);
  EXPECT_EQ((*stream)->next(&after).code(), StatusCode::kEndOfStream);
}

struct ParityCase {
  const char* name;
  const char* text;
  float rate;
  float pitch;
};

class OpenJTalkParityTest : public OpenJTalkTest,
                            public ::testing::WithParamInterface<ParityCase> {};

TEST_P(OpenJTalkParityTest, StreamedEqualsWholeUtterance) {
  const ParityCase& p = GetParam();
  SynthesisOptions options;
  options.rate = p.rate;
  options.pitch = p.pitch;
  Collected streamed = say(p.text, options);
  ASSERT_TRUE(streamed.status.is_ok());
  std::vector<float> whole = whole_utterance_reference(p.text, p.rate, p.pitch);
  ASSERT_EQ(streamed.samples.size(), whole.size());
  size_t mismatches = 0;
  for (size_t i = 0; i < whole.size(); ++i) mismatches += streamed.samples[i] != whole[i];
  EXPECT_EQ(mismatches, 0u) << "block vocoding must reproduce the whole-utterance samples exactly";
}

INSTANTIATE_TEST_SUITE_P(Texts, OpenJTalkParityTest,
                         ::testing::Values(ParityCase{"short", kShortText, 1.0f, 0.0f},
                                           ParityCase{"long", kLongText, 1.0f, 0.0f},
                                           ParityCase{"fast_higher", kShortText, 1.5f, 3.0f},
                                           ParityCase{"slow_lower", kShortText, 0.7f, -4.0f}),
                         [](const ::testing::TestParamInfo<ParityCase>& info) {
                           return info.param.name;
                         });

// Reads the 16-bit samples of a canonical PCM WAV file (what HTS_Engine_save_riff writes).
std::vector<int16_t> read_wav_pcm16(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t data = bytes.find("data");
  if (data == std::string::npos || data + 8 > bytes.size()) return {};
  uint32_t size = 0;
  std::memcpy(&size, bytes.data() + data + 4, 4);
  size = std::min<uint32_t>(size, static_cast<uint32_t>(bytes.size() - data - 8));
  std::vector<int16_t> out(size / 2);
  std::memcpy(out.data(), bytes.data() + data + 8, out.size() * 2);
  return out;
}

// Against Debian's own open_jtalk program: checks that our build of the front end (compile
// definitions, charset, dictionary version) analyses text exactly as Debian's does. The program
// writes 16-bit samples, truncated toward zero, so a sample may differ by one step.
TEST_F(OpenJTalkTest, MatchesDebiansOpenJTalkProgram) {
  const char* program = "/usr/bin/open_jtalk";
  if (!std::filesystem::exists(program)) GTEST_SKIP() << "needs the Debian package open-jtalk";
  const auto dir =
      std::filesystem::temp_directory_path() / ("openjtalk_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string txt = (dir / "in.txt").string();
  const std::string wav = (dir / "out.wav").string();
  std::ofstream(txt) << kLongText << "\n";
  const std::string command = std::string(program) + " -x " + kDictionaryDir + " -m " + kVoiceFile +
                              " -ow " + wav + " " + txt + " 2>/dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  const std::vector<int16_t> reference = read_wav_pcm16(wav);
  std::filesystem::remove_all(dir);

  Collected ours = say(kLongText);
  ASSERT_EQ(ours.samples.size(), reference.size());
  size_t off_by_more_than_one = 0;
  for (size_t i = 0; i < reference.size(); ++i) {
    off_by_more_than_one += std::fabs(ours.samples[i] * 32768.0 - reference[i]) > 1.0;
  }
  EXPECT_EQ(off_by_more_than_one, 0u);
}

TEST_F(OpenJTalkTest, RateChangesDuration) {
  const double normal = static_cast<double>(say(kShortText).samples.size());
  SynthesisOptions fast;
  fast.rate = 2.0f;
  SynthesisOptions slow;
  slow.rate = 0.5f;
  const double fast_ratio = static_cast<double>(say(kShortText, fast).samples.size()) / normal;
  const double slow_ratio = static_cast<double>(say(kShortText, slow).samples.size()) / normal;
  EXPECT_GT(fast_ratio, 0.4);
  EXPECT_LT(fast_ratio, 0.65);
  EXPECT_GT(slow_ratio, 1.6);
  EXPECT_LT(slow_ratio, 2.5);
}

TEST_F(OpenJTalkTest, PitchKeepsDurationButChangesTheWaveform) {
  SynthesisOptions higher;
  higher.pitch = 5.0f;
  Collected base = say(kShortText);
  Collected shifted = say(kShortText, higher);
  ASSERT_EQ(base.samples.size(), shifted.samples.size());
  EXPECT_NE(base.samples, shifted.samples);
}

TEST_F(OpenJTalkTest, VolumeIsALinearGain) {
  SynthesisOptions half;
  half.volume = 0.5f;
  Collected base = say(kShortText);
  Collected quiet = say(kShortText, half);
  ASSERT_EQ(base.samples.size(), quiet.samples.size());
  double max_err = 0;
  for (size_t i = 0; i < base.samples.size(); ++i) {
    max_err = std::max(max_err, std::fabs(0.5 * base.samples[i] - quiet.samples[i]));
  }
  EXPECT_LT(max_err, 1e-6);
  SynthesisOptions mute;
  mute.volume = 0.0f;
  EXPECT_EQ(rms(say(kShortText, mute).samples), 0.0);
}

TEST_F(OpenJTalkTest, StopsWhenAsked) {
  std::stop_source stop;
  auto stream = synth_->start(kLongText, {});
  ASSERT_TRUE(stream.is_ok());
  AudioChunk chunk;
  ASSERT_TRUE((*stream)->next(&chunk, stop.get_token()).is_ok());
  stop.request_stop();
  EXPECT_EQ((*stream)->next(&chunk, stop.get_token()).code(), StatusCode::kCancelled);

  std::stop_source before;
  before.request_stop();
  auto other = synth_->start(kShortText, {});
  ASSERT_TRUE(other.is_ok());
  EXPECT_EQ((*other)->next(&chunk, before.get_token()).code(), StatusCode::kCancelled);
}

TEST_F(OpenJTalkTest, ANewStartSupersedesTheOldStream) {
  auto first = synth_->start(kLongText, {});
  ASSERT_TRUE(first.is_ok());
  AudioChunk chunk;
  ASSERT_TRUE((*first)->next(&chunk).is_ok());
  auto second = synth_->start(kShortText, {});  // the engine's usual `stream = start(...)` order
  ASSERT_TRUE(second.is_ok());
  EXPECT_EQ((*first)->next(&chunk).code(), StatusCode::kCancelled);
  first->reset();  // destroying the superseded stream must not free the new utterance
  Collected c = drain(**second);
  EXPECT_TRUE(c.status.is_ok());
  EXPECT_EQ(c.samples, say(kShortText).samples);
}

TEST_F(OpenJTalkTest, StreamOutlivesItsSynthesizer) {
  auto synth = make_openjtalk_synthesizer({});
  auto stream = synth->start(kShortText, {});
  ASSERT_TRUE(stream.is_ok());
  synth.reset();
  Collected c = drain(**stream);
  EXPECT_TRUE(c.status.is_ok());
  EXPECT_GT(rms(c.samples), 0.01);
}

TEST_F(OpenJTalkTest, AcceptsTheVoiceByNameOrPath) {
  for (const char* voice : {"", "nitech_jp_atr503_m001", kVoiceFile}) {
    SynthesisOptions options;
    options.voice = voice;
    EXPECT_TRUE(synth_->start(kShortText, options).is_ok()) << voice;
  }
}

TEST_F(OpenJTalkTest, RejectsInvalidOptions) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<SynthesisOptions> bad(9);
  bad[0].rate = 0.0f;
  bad[1].rate = 5.0f;
  bad[2].rate = nan;
  bad[3].pitch = 13.0f;
  bad[4].pitch = nan;
  bad[5].volume = -0.1f;
  bad[6].volume = 4.5f;
  bad[7].voice = "no-such-voice";
  bad[8].voice = "/nonexistent/voice.htsvoice";
  for (size_t i = 0; i < bad.size(); ++i) {
    auto stream = synth_->start(kShortText, bad[i]);
    ASSERT_FALSE(stream.is_ok()) << "case " << i;
    EXPECT_EQ(stream.status().code(), StatusCode::kInvalidArgument) << "case " << i;
  }
}

TEST_F(OpenJTalkTest, NothingToSayIsADataError) {
  for (const char* text : {"", "   ", "\n\t"}) {
    auto stream = synth_->start(text, {});
    ASSERT_FALSE(stream.is_ok()) << "'" << text << "'";
    EXPECT_EQ(stream.status().code(), StatusCode::kDataError);
  }
}

// Text over kMaxUtteranceBytes is spoken sentence by sentence in one stream: the same sentence
// fifteen times must give fifteen times that sentence's audio, and only the last chunk says
// is_last.
TEST_F(OpenJTalkTest, LongTextIsSpokenSentenceBySentence) {
  const std::string sentence = "日本語の文章を読み上げます。";
  std::string text;
  for (int i = 0; i < 15; ++i) text += sentence;
  ASSERT_GT(text.size(), 600u);
  const std::vector<float> one = say(sentence).samples;
  auto stream = synth_->start(text, {});
  ASSERT_TRUE(stream.is_ok());
  std::vector<float> all;
  for (;;) {
    AudioChunk chunk;
    ASSERT_TRUE((*stream)->next(&chunk).is_ok());
    all.insert(all.end(), chunk.samples.begin(), chunk.samples.end());
    if (chunk.is_last) break;
  }
  ASSERT_EQ(all.size(), one.size() * 15);
  EXPECT_TRUE(
      std::equal(one.begin(), one.end(), all.end() - static_cast<std::ptrdiff_t>(one.size())));
}

TEST_F(OpenJTalkTest, VeryLongTextStartsWithoutWaitingForAllOfIt) {
  std::string very_long;
  while (very_long.size() < 2000 * 3)
    very_long += "日本語の文章を読み上げます。";  // 2000 characters
  const auto t0 = std::chrono::steady_clock::now();
  auto stream = synth_->start(very_long, {});
  AudioChunk chunk;
  ASSERT_TRUE(stream.is_ok());
  ASSERT_TRUE((*stream)->next(&chunk).is_ok());
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  // As one utterance this takes over 3 s before the first sample (release build); one sentence, ~10
  // ms.
  EXPECT_LT(ms, 1500.0);
}

TEST_F(OpenJTalkTest, SurvivesOddInput) {
  std::string very_long;
  while (very_long.size() < 2000 * 3)
    very_long += "長い文章、";  // 2000 characters, no sentence end
  const std::vector<std::string> inputs = {
      "Hello, world! 123",          // ASCII only: read out as full-width letters and digits
      "😀🎉",                         // emoji only
      "絵文字😀のある文。",          // emoji inside Japanese
      "\xff\xfe\xe3\x81 abc \xe3",  // invalid and truncated UTF-8
      std::string("途中に\0ヌル。", 20),
      "ｶﾀｶﾅ、half-width。",
      very_long,
  };
  for (const std::string& text : inputs) {
    auto stream = synth_->start(text, {});
    if (!stream) {
      EXPECT_EQ(stream.status().code(), StatusCode::kDataError) << stream.status().to_string();
      continue;
    }
    // Three chunks are enough to show the utterance vocodes; dropping the stream early frees it.
    for (int i = 0; i < 3; ++i) {
      AudioChunk chunk;
      Status s = (*stream)->next(&chunk);
      ASSERT_TRUE(s.is_ok() || s.code() == StatusCode::kEndOfStream) << s.to_string();
      if (!s) break;
      EXPECT_TRUE(all_in_range(std::vector<float>(chunk.samples.begin(), chunk.samples.end())));
      if (chunk.is_last) break;
    }
  }
  EXPECT_TRUE(say(kShortText).status.is_ok()) << "still works afterwards";
}

TEST(OpenJTalkLoadTest, MissingFilesAreNotFound) {
  SynthesizerConfig no_voice;
  no_voice.voice_file = "/nonexistent/voice.htsvoice";
  try {
    make_openjtalk_synthesizer(no_voice);
    ADD_FAILURE() << "expected Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.status().code(), StatusCode::kNotFound);
  }
  SynthesizerConfig no_dictionary;
  no_dictionary.dictionary_dir = "/nonexistent/naist-jdic";
  try {
    make_openjtalk_synthesizer(no_dictionary);
    ADD_FAILURE() << "expected Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.status().code(), StatusCode::kNotFound);
  }
}

TEST(OpenJTalkLoadTest, RegistryBuildsIt) {
  if (!std::filesystem::exists(kVoiceFile)) GTEST_SKIP() << "needs hts-voice-nitech-jp-atr503-m001";
  SynthesizerConfig config;
  config.backend = "openjtalk";
  auto synth = make_synthesizer(config);
  ASSERT_NE(synth, nullptr);
  auto all = synthesize_all(*synth, kShortText);
  ASSERT_TRUE(all.is_ok());
  EXPECT_GT(all->size(), 48000u);
}

}  // namespace
}  // namespace stream_tts
