// The worker:<name> synthesizer with the real tone worker. (The registry's route to it is covered
// by the CLI integration test; linking the registry here would pull in every backend.)
#include "tts/worker/worker_synthesizer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "tone.h"

namespace stream_tts {
namespace {

// A workers.json with a `tone` entry (extra args), removed with the fixture.
class ToneFile {
 public:
  explicit ToneFile(const std::string& extra_args = "") {
    path_ =
        std::filesystem::temp_directory_path() / ("st_worker_synth_" + std::to_string(::getpid()) +
                                                  "_" + std::to_string(counter_++) + ".json");
    std::ofstream(path_) << R"({"workers":{"tone":{"command":[")" STREAM_TTS_TEST_PYTHON
                         << R"(","-m","stream_tts_worker.tone_worker"],"args":[)" << extra_args
                         << R"(],"env":{"PYTHONPATH":")" STREAM_TTS_SOURCE_DIR
                         << R"(/workers/python"},)"
                         << R"("shutdown_grace_s":1}}})";
  }
  ~ToneFile() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

std::unique_ptr<Synthesizer> tone(const ToneFile& f, const std::string& voice = "") {
  SynthesizerConfig c;
  c.backend = "worker:tone";
  c.workers_file = f.path();
  c.voice = voice;
  return make_worker_synthesizer(c);
}

TEST(WorkerSynthesizer, ReportsTheWorkersCapabilities) {
  ToneFile f;
  auto s = tone(f);
  EXPECT_EQ(s->name(), "worker:tone");
  EXPECT_EQ(s->sample_rate(), 24000);
  EXPECT_EQ(s->languages(), std::vector<std::string>{"ja"});
  ASSERT_EQ(s->voices().size(), 1u);
  EXPECT_EQ(s->voices()[0].name, "tone");
}

TEST(WorkerSynthesizer, StreamsChunksUntilIsLast) {
  ToneFile f;
  auto s = tone(f, "tone");
  auto stream = s->start("こんにちは。", {});
  ASSERT_TRUE(stream.is_ok()) << stream.status().to_string();
  size_t chunks = 0, samples = 0;
  double peak = 0;
  for (;;) {
    AudioChunk chunk;
    ASSERT_TRUE((*stream)->next(&chunk).is_ok());
    EXPECT_EQ(chunk.sample_rate, 24000);
    samples += chunk.samples.size();
    for (float x : chunk.samples) peak = std::max(peak, static_cast<double>(std::fabs(x)));
    if (chunk.is_last) break;
    ++chunks;
  }
  EXPECT_EQ(chunks, 3u);
  EXPECT_EQ(samples, 3u * 2400);
  EXPECT_NEAR(peak, 0.3, 0.01);
  AudioChunk after;
  EXPECT_EQ((*stream)->next(&after).code(), StatusCode::kEndOfStream);
}

TEST(WorkerSynthesizer, RateVolumeAndS16) {
  ToneFile f(R"("--sample-format","s16le")");
  auto s = tone(f);
  SynthesisOptions o;
  o.rate = 2.0f;    // sent as speed: half as many samples
  o.volume = 0.5f;  // applied here
  auto all = synthesize_all(*s, "速く。", o);
  ASSERT_TRUE(all.is_ok()) << all.status().to_string();
  EXPECT_EQ(all->size(), 3u * 1200);
  double peak = 0;
  for (float x : *all) peak = std::max(peak, static_cast<double>(std::fabs(x)));
  EXPECT_NEAR(peak, 0.15, 0.01);
}

TEST(WorkerSynthesizer, StopCancelsTheRequest) {
  ToneFile f(R"("--chunks","200","--chunk-delay-ms","20")");
  auto s = tone(f);
  auto stream = s->start("長い。", {});
  ASSERT_TRUE(stream.is_ok());
  std::stop_source stop;
  AudioChunk chunk;
  ASSERT_TRUE((*stream)->next(&chunk, stop.get_token()).is_ok());
  stop.request_stop();
  EXPECT_EQ((*stream)->next(&chunk, stop.get_token()).code(), StatusCode::kCancelled);
  stream.value().reset();
  // The worker stopped the request: the next one starts at once, not after 200 chunks.
  const auto t0 = std::chrono::steady_clock::now();
  auto again = s->start("[delay=0] 短い。", {});
  ASSERT_TRUE(again.is_ok());
  ASSERT_TRUE((*again)->next(&chunk).is_ok());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1));
}

TEST(WorkerSynthesizer, UnknownVoiceAndWorkerAreClearErrors) {
  ToneFile f;
  try {
    tone(f, "jf_alpha");
    FAIL() << "no exception";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("worker tone has no voice 'jf_alpha' (voices: tone)"),
              std::string::npos)
        << e.what();
  }
  try {
    tone(f, "tone:0.5+other:0.5");
    FAIL() << "no exception";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot blend voices"), std::string::npos) << e.what();
  }
  SynthesizerConfig c;
  c.backend = "worker:nope";
  c.workers_file = f.path();
  try {
    make_worker_synthesizer(c);
    FAIL() << "no exception";
  } catch (const Error& e) {
    EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("unknown worker 'nope' (known: kokoro-ja, tone"),
              std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(worker::test::no_children());
}

TEST(WorkerVoice, ParsesOneVoiceOrABlend) {
  auto one = parse_worker_voice("jf_alpha");
  ASSERT_TRUE(one.is_ok());
  EXPECT_EQ(one->voice, "jf_alpha");
  EXPECT_TRUE(one->blend.empty());
  auto blend = parse_worker_voice("jf_alpha:0.7+jm_kumo:0.3");
  ASSERT_TRUE(blend.is_ok());
  EXPECT_TRUE(blend->voice.empty());
  ASSERT_EQ(blend->blend.size(), 2u);
  EXPECT_EQ(blend->blend[0].first, "jf_alpha");
  EXPECT_DOUBLE_EQ(blend->blend[0].second, 0.7);
  EXPECT_DOUBLE_EQ(blend->blend[1].second, 0.3);
  auto equal = parse_worker_voice("a+b");
  ASSERT_TRUE(equal.is_ok());
  EXPECT_DOUBLE_EQ(equal->blend[1].second, 1.0);
  for (const char* bad : {"", "a:", "a:-1", "a:x", "a+", "+b", ":0.5", "a:0.5:0.5"}) {
    EXPECT_EQ(parse_worker_voice(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace stream_tts
