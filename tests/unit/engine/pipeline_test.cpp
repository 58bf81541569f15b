// The pipeline with real backends (eSpeak NG, pass-through translator) and a real WAV sink.
#include "engine/pipeline.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "core/clock.h"

namespace stream_tts {
namespace {

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("st_engine_" + std::to_string(::getpid()) + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    translator_ = make_translator({});
    SynthesizerConfig sc;
    sc.backend = "espeak";
    espeak_ = make_synthesizer(sc);
    router_.add("en", espeak_.get(), "espeak:en-us");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<AudioSink> wav(const std::string& name) {
    SinkOptions so;
    so.sample_rate = 16000;
    auto sink = open_sink("wav:" + (dir_ / name).string(), so);
    EXPECT_TRUE(sink) << sink.status().to_string();
    return std::move(sink.value());
  }

  std::filesystem::path dir_;
  std::unique_ptr<Translator> translator_;
  std::unique_ptr<Synthesizer> espeak_;
  VoiceRouter router_;
};

TEST_F(PipelineTest, SpeaksEverySentenceOnceInOrder) {
  auto sink = wav("a.wav");
  MetricsLog metrics((dir_ / "m.jsonl").string());
  PipelineOptions o;
  o.input.format = InputFormat::kText;
  Pipeline p(o, *translator_, router_, *sink, metrics);
  ASSERT_TRUE(p.run_text("First sentence. Second one! Is this the **third**? Fourth"));
  ASSERT_TRUE(sink->close());
  const auto& r = metrics.records();
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].text, "First sentence.");
  EXPECT_EQ(r[2].text, "Is this the third?");
  EXPECT_EQ(r[3].text, "Fourth");
  for (size_t i = 0; i < r.size(); ++i) {
    EXPECT_EQ(r[i].id, i);
    EXPECT_EQ(r[i].lang, "en");
    EXPECT_EQ(r[i].voice, "espeak:en-us");
    EXPECT_TRUE(r[i].error.empty()) << r[i].error;
    EXPECT_GT(r[i].audio_ms, 200.0);
    const auto& t = r[i].times;
    EXPECT_LE(t.complete_ms, t.segmented_ms);
    EXPECT_LE(t.segmented_ms, t.translated_ms);
    EXPECT_LE(t.translated_ms, t.first_chunk_ms);
    EXPECT_LE(t.first_chunk_ms, t.first_sample_ms);
    EXPECT_LE(t.first_sample_ms, t.done_ms);
  }
  EXPECT_GT(std::filesystem::file_size(dir_ / "a.wav"), 16000u);  // > 0.5 s of 16-bit audio
}

TEST_F(PipelineTest, ReadsAStreamFromAFileDescriptor) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::thread writer([&] {
    const char* lines[] = {"Hello there. This sentence ", "continues on the next line.\n", "\n", "Last one\n"};
    for (const char* l : lines) {
      ASSERT_GT(::write(fds[1], l, strlen(l)), 0);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::close(fds[1]);
  });
  auto sink = wav("b.wav");
  MetricsLog metrics;
  PipelineOptions o;
  o.input.format = InputFormat::kText;
  Pipeline p(o, *translator_, router_, *sink, metrics);
  Status s = p.run(fds[0]);
  writer.join();
  ::close(fds[0]);
  ASSERT_TRUE(s) << s.to_string();
  ASSERT_EQ(metrics.records().size(), 3u);
  EXPECT_EQ(metrics.records()[0].text, "Hello there.");
  EXPECT_EQ(metrics.records()[1].text, "This sentence continues on the next line.");
  EXPECT_EQ(metrics.records()[2].text, "Last one");
}

TEST_F(PipelineTest, StopCancelsPromptly) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);  // never closed by a writer until the end: the run must stop on request
  ASSERT_GT(::write(fds[1], "One. Two. Three.\n", 17), 0);
  auto sink = wav("c.wav");
  MetricsLog metrics;
  PipelineOptions o;
  o.input.format = InputFormat::kText;
  Pipeline p(o, *translator_, router_, *sink, metrics);
  std::stop_source stop;
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    stop.request_stop();
  });
  const double t0 = now_ms();
  Status s = p.run(fds[0], stop.get_token());
  const double elapsed = now_ms() - t0;
  stopper.join();
  ::close(fds[0]);
  ::close(fds[1]);
  EXPECT_EQ(s.code(), StatusCode::kCancelled);
  EXPECT_LT(elapsed, 2000.0);
}

// Writes "Line 0." .. "Line n-1." (one per line) into a pipe at once and closes it; returns the read end.
int burst_pipe(int n) {
  int fds[2];
  if (::pipe(fds) != 0) return -1;
  std::string text;
  for (int i = 0; i < n; ++i) text += "Line " + std::to_string(i) + ".\n";
  // Fits the pipe buffer (64 KiB), so no writer thread is needed.
  if (::write(fds[1], text.data(), text.size()) != static_cast<ssize_t>(text.size())) return -1;
  ::close(fds[1]);
  return fds[0];
}

TEST_F(PipelineTest, BlockingBacklogSpeaksEverythingInOrder) {
  const int fd = burst_pipe(40);
  ASSERT_GE(fd, 0);
  auto sink = wav("block.wav");
  MetricsLog metrics;
  PipelineOptions o;
  o.input.format = InputFormat::kText;
  o.sentence_queue = 2;  // the reader waits for room almost at once
  Pipeline p(o, *translator_, router_, *sink, metrics);
  ASSERT_TRUE(p.run(fd));
  ::close(fd);
  ASSERT_EQ(metrics.records().size(), 40u);
  for (size_t i = 0; i < 40; ++i) EXPECT_EQ(metrics.records()[i].text, "Line " + std::to_string(i) + ".");
  EXPECT_EQ(p.last_run().sentences, 40u);
  EXPECT_EQ(p.last_run().dropped, 0u);
}

TEST_F(PipelineTest, DropOldestBacklogCountsWhatItDrops) {
  const int fd = burst_pipe(40);
  ASSERT_GE(fd, 0);
  auto sink = wav("drop.wav");
  MetricsLog metrics;
  PipelineOptions o;
  o.input.format = InputFormat::kText;
  o.sentence_queue = 2;
  o.backlog = BacklogPolicy::kDropOldest;
  Pipeline p(o, *translator_, router_, *sink, metrics);
  ASSERT_TRUE(p.run(fd));
  ::close(fd);
  const auto& r = metrics.records();
  EXPECT_EQ(p.last_run().sentences, 40u);
  EXPECT_GT(p.last_run().dropped, 0u);  // 40 lines arrive in one read; speech cannot keep up
  EXPECT_EQ(r.size() + p.last_run().dropped, 40u);
  for (size_t i = 1; i < r.size(); ++i) EXPECT_LT(r[i - 1].id, r[i].id);  // order kept
  ASSERT_FALSE(r.empty());
  EXPECT_EQ(r.back().text, "Line 39.");  // the newest is never the one dropped
}

TEST(BacklogPolicy, ParsesItsNames) {
  BacklogPolicy p = BacklogPolicy::kDropOldest;
  EXPECT_TRUE(parse_backlog_policy("block", &p));
  EXPECT_EQ(p, BacklogPolicy::kBlock);
  EXPECT_TRUE(parse_backlog_policy("drop-oldest", &p));
  EXPECT_EQ(p, BacklogPolicy::kDropOldest);
  EXPECT_FALSE(parse_backlog_policy("drop-newest", &p));
}

}  // namespace
}  // namespace stream_tts
