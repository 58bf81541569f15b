#include "models/process.h"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <thread>

#include "models/progress.h"

namespace stream_tts::models {
namespace {

TEST(Process, StreamsStdoutAndKeepsTheStderrTail) {
  std::string out;
  ProcessOptions options;
  options.on_stdout = [&](std::span<const char> chunk) { out.append(chunk.data(), chunk.size()); };
  options.stderr_tail_bytes = 4;
  const ProcessResult r = run_process({"sh", "-c", "echo out; echo 123456789 >&2; exit 3"}, options);
  EXPECT_TRUE(r.started);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(out, "out\n");
  EXPECT_EQ(r.stderr_tail, "789\n");
}

TEST(Process, ReportsAProgramThatCannotStart) {
  const ProcessResult r = run_process({"/nonexistent/program"}, {});
  EXPECT_FALSE(r.started);
  EXPECT_FALSE(r.start_error.empty());
}

TEST(Process, StopsTheChildOnRequest) {
  std::stop_source stop;
  ProcessOptions options;
  options.stop = stop.get_token();
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    stop.request_stop();
  });
  const auto start = std::chrono::steady_clock::now();
  const ProcessResult r = run_process({"sleep", "30"}, options);
  stopper.join();
  EXPECT_TRUE(r.stopped);
  EXPECT_FALSE(r.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

// The CLI blocks SIGINT and SIGTERM in all its threads (apps/signals.cpp); a child must not inherit
// that, or a stop request's SIGTERM (and a terminal's Ctrl-C) would never reach it.
TEST(Process, TheChildStartsWithNoSignalBlocked) {
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &block, &old), 0);
  std::string out;
  ProcessOptions options;
  options.on_stdout = [&](std::span<const char> chunk) { out.append(chunk.data(), chunk.size()); };
  const ProcessResult r = run_process({"grep", "SigBlk", "/proc/self/status"}, options);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(out, "SigBlk:\t0000000000000000\n");
}

TEST(Process, AnExceptionFromTheSinkReapsTheChild) {
  ProcessOptions options;
  options.on_stdout = [](std::span<const char>) { throw std::runtime_error("disk full"); };
  EXPECT_THROW(run_process({"sh", "-c", "echo x; sleep 30"}, options), std::runtime_error);
}

TEST(Progress, PlainLinesWhenNotATerminal) {
  ::testing::internal::CaptureStderr();
  {
    Progress p("assembling x", 400, ProgressStyle::kLines);
    p.add(100);
    p.add(250);  // crosses 50 % and 75 % at once
    p.add(50);
    p.finish();
  }
  const std::string text = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(text.find("assembling x: 400 B\n"), std::string::npos) << text;
  EXPECT_NE(text.find("assembling x: 25%"), std::string::npos) << text;
  EXPECT_NE(text.find("assembling x: 50%"), std::string::npos) << text;
  EXPECT_NE(text.find("assembling x: 75%"), std::string::npos) << text;
  EXPECT_NE(text.find("assembling x: done"), std::string::npos) << text;
  EXPECT_EQ(text.find('\r'), std::string::npos) << "no control characters in logs";
}

TEST(Progress, BarRedrawsInPlace) {
  ::testing::internal::CaptureStderr();
  {
    Progress p("hashing", 1000, ProgressStyle::kBar);
    p.add(1000);
    p.finish();
  }
  const std::string text = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(text.find("\rhashing ["), std::string::npos) << text;
  EXPECT_NE(text.find("100%"), std::string::npos) << text;
  EXPECT_EQ(text.back(), '\n');
}

TEST(Progress, HumanSizes) {
  EXPECT_EQ(human_size(512), "512 B");
  EXPECT_EQ(human_size(253113024), "253.1 MB");
  EXPECT_EQ(human_size(1117320768), "1.12 GB");
}

}  // namespace
}  // namespace stream_tts::models
