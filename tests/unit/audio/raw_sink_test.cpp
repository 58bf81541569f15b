#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <thread>
#include <vector>

#include "audio/raw_sink.h"
#include "audio/sink.h"
#include "test_util.h"

namespace stream_tts {
namespace {

class Pipe {
 public:
  Pipe() {
    if (::pipe(fds_) != 0) ADD_FAILURE() << "pipe() failed";
  }
  ~Pipe() {
    close_read();
    close_write();
  }
  int read_fd() const { return fds_[0]; }
  int write_fd() const { return fds_[1]; }
  void close_read() {
    if (fds_[0] >= 0) ::close(fds_[0]);
    fds_[0] = -1;
  }
  void close_write() {
    if (fds_[1] >= 0) ::close(fds_[1]);
    fds_[1] = -1;
  }
  // Reads until the write end is closed.
  std::vector<uint8_t> read_all() const {
    std::vector<uint8_t> out;
    uint8_t buf[4096];
    ssize_t n;
    while ((n = ::read(fds_[0], buf, sizeof buf)) > 0) out.insert(out.end(), buf, buf + n);
    return out;
  }

 private:
  int fds_[2] = {-1, -1};
};

int16_t le16(const std::vector<uint8_t>& b, size_t i) {
  return static_cast<int16_t>(static_cast<uint16_t>(b[2 * i] | (b[2 * i + 1] << 8)));
}

TEST(RawSink, ConvertsToSignedSixteenBitLittleEndian) {
  Pipe pipe;
  audio::RawSink sink(pipe.write_fd(), 16000);
  EXPECT_EQ(sink.sample_rate(), 16000);
  const std::vector<float> samples{0.0f, 1.0f, -1.0f, 0.5f, 2.0f, -3.0f, 1e-6f};
  ASSERT_TRUE(sink.write(samples));
  ASSERT_TRUE(sink.close());
  pipe.close_write();
  const auto bytes = pipe.read_all();
  ASSERT_EQ(bytes.size(), samples.size() * 2);
  EXPECT_EQ(le16(bytes, 0), 0);
  EXPECT_EQ(le16(bytes, 1), 32767);
  EXPECT_EQ(le16(bytes, 2), -32767);
  EXPECT_EQ(le16(bytes, 3), 16384);  // 0.5 * 32767 = 16383.5 rounds to even
  EXPECT_EQ(le16(bytes, 4), 32767);  // clipped
  EXPECT_EQ(le16(bytes, 5), -32767);
  EXPECT_EQ(le16(bytes, 6), 0);
}

TEST(RawSink, NotANumberBecomesSilence) { EXPECT_EQ(audio::float_to_s16(std::nanf("")), 0); }

// More than a pipe holds (64 KiB), so write() must loop over partial writes while a slow reader
// drains the other end.
TEST(RawSink, DeliversEverythingThroughAFullPipe) {
  Pipe pipe;
  const auto tone = test::sine(1000.0, 48000, 3 * 48000, 0.5f);
  std::vector<uint8_t> received;
  std::thread reader([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let the pipe fill up first
    received = pipe.read_all();
  });
  {
    audio::RawSink sink(pipe.write_fd(), 48000);
    EXPECT_TRUE(sink.write(tone));
  }
  pipe.close_write();
  reader.join();
  ASSERT_EQ(received.size(), tone.size() * 2);
  for (size_t i = 0; i < tone.size(); i += 997) EXPECT_EQ(le16(received, i), audio::float_to_s16(tone[i]));
}

TEST(RawSink, ClosedReaderIsUnavailableAndDoesNotKillTheProcess) {
  Pipe pipe;
  pipe.close_read();
  audio::RawSink sink(pipe.write_fd(), 48000);
  const std::vector<float> samples(100, 0.25f);
  const Status first = sink.write(samples);
  EXPECT_EQ(first.code(), StatusCode::kUnavailable);
  EXPECT_NE(first.message().find("broken pipe"), std::string::npos);
  EXPECT_EQ(sink.write(samples).code(), StatusCode::kUnavailable);
  // The SIGPIPE raised by the failed write must not be left pending for someone else.
  sigset_t pending;
  sigemptyset(&pending);
  sigpending(&pending);
  EXPECT_EQ(sigismember(&pending, SIGPIPE), 0);
}

TEST(RawSink, OpenSinkRawWritesToStdout) {
  Pipe pipe;
  std::fflush(stdout);
  const int saved_stdout = ::dup(STDOUT_FILENO);
  ASSERT_GE(saved_stdout, 0);
  ASSERT_GE(::dup2(pipe.write_fd(), STDOUT_FILENO), 0);
  Status written;
  {
    SinkOptions options;
    options.sample_rate = 24000;
    auto sink = open_sink("raw", options);
    if (sink) {
      EXPECT_EQ((*sink)->sample_rate(), 24000);
      const std::vector<float> samples{0.5f, -0.5f};
      written = (*sink)->write(samples);
      EXPECT_TRUE((*sink)->drain());
      EXPECT_TRUE((*sink)->close());
    } else {
      written = sink.status();
    }
  }
  ::dup2(saved_stdout, STDOUT_FILENO);  // restore before any assertion output
  ::close(saved_stdout);
  pipe.close_write();
  ASSERT_TRUE(written) << written.to_string();
  const auto bytes = pipe.read_all();
  ASSERT_EQ(bytes.size(), 4u);
  EXPECT_EQ(le16(bytes, 0), 16384);
  EXPECT_EQ(le16(bytes, 1), -16384);
}

TEST(RawSink, WriteAfterCloseFails) {
  Pipe pipe;
  audio::RawSink sink(pipe.write_fd(), 48000);
  ASSERT_TRUE(sink.close());
  const std::vector<float> one{0.1f};
  EXPECT_EQ(sink.write(one).code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace stream_tts
