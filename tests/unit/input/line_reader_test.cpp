// LineReader on real pipes: line splitting, "\r\n", end of input, timeouts, over-long lines.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "input_test_support.h"

namespace stream_tts::test {
namespace {

class Pipe {
 public:
  Pipe() { EXPECT_EQ(::pipe(fds_), 0); }
  ~Pipe() {
    close_write();
    if (fds_[0] >= 0) ::close(fds_[0]);
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;

  int read_fd() const { return fds_[0]; }
  void write(const std::string& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(fds_[1], bytes.data() + done, bytes.size() - done);
      ASSERT_GT(n, 0);
      done += static_cast<size_t>(n);
    }
  }
  void close_write() {
    if (fds_[1] >= 0) ::close(fds_[1]);
    fds_[1] = -1;
  }

 private:
  int fds_[2] = {-1, -1};
};

// Reads until the end of input; fails the test instead of hanging.
std::vector<LineReader::Line> read_all(LineReader* reader) {
  std::vector<LineReader::Line> lines;
  for (int i = 0; i < 100000; ++i) {
    const Status st = reader->read(5000, &lines);
    if (st.code() == StatusCode::kEndOfStream) return lines;
    EXPECT_TRUE(st.is_ok()) << st.to_string();
    if (!st.is_ok()) return lines;
  }
  ADD_FAILURE() << "no end of input";
  return lines;
}

std::vector<std::string> texts(const std::vector<LineReader::Line>& lines) {
  std::vector<std::string> out;
  for (const auto& l : lines) out.push_back(l.text);
  return out;
}

TEST(LineReader, SplitsLinesAndNumbersThem) {
  Pipe pipe;
  pipe.write("alpha\nbeta\r\n\ngamma\r\n");
  pipe.write("delta without newline");
  pipe.close_write();
  LineReader reader(pipe.read_fd(), 1024);
  const auto lines = read_all(&reader);
  EXPECT_EQ(texts(lines),
            (std::vector<std::string>{"alpha", "beta", "", "gamma", "delta without newline"}));
  for (size_t i = 0; i < lines.size(); ++i) EXPECT_EQ(lines[i].line_no, i + 1);
  EXPECT_GT(lines.back().t_ms, 0.0);
  // Once the end was reported it stays reported.
  std::vector<LineReader::Line> more;
  EXPECT_EQ(reader.read(0, &more).code(), StatusCode::kEndOfStream);
  EXPECT_TRUE(more.empty());
}

TEST(LineReader, LastLineComesBeforeTheEndOfStreamStatus) {
  Pipe pipe;
  pipe.write("no newline");
  pipe.close_write();
  LineReader reader(pipe.read_fd(), 1024);
  std::vector<LineReader::Line> lines;
  Status st;
  int calls = 0;
  while ((st = reader.read(1000, &lines)).is_ok() && ++calls < 10) {
  }
  EXPECT_EQ(st.code(), StatusCode::kEndOfStream);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].text, "no newline");
}

TEST(LineReader, LinesSplitAcrossWrites) {
  Pipe pipe;
  LineReader reader(pipe.read_fd(), 1024);
  std::vector<LineReader::Line> lines;
  pipe.write("{\"type\":\"ass");
  ASSERT_TRUE(reader.read(1000, &lines).is_ok());
  EXPECT_TRUE(lines.empty());
  pipe.write("istant\"}\n{\"x\"");
  ASSERT_TRUE(reader.read(1000, &lines).is_ok());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].text, "{\"type\":\"assistant\"}");
  pipe.write(":1}\r");
  ASSERT_TRUE(reader.read(1000, &lines).is_ok());
  pipe.write("\n");
  ASSERT_TRUE(reader.read(1000, &lines).is_ok());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1].text, "{\"x\":1}");
  EXPECT_EQ(lines[1].line_no, 2u);
}

TEST(LineReader, TimeoutReturnsOkWithoutLines) {
  Pipe pipe;
  LineReader reader(pipe.read_fd(), 1024);
  std::vector<LineReader::Line> lines;
  const auto start = std::chrono::steady_clock::now();
  const Status st = reader.read(50, &lines);
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(st.is_ok());
  EXPECT_TRUE(lines.empty());
  EXPECT_GE(waited, std::chrono::milliseconds(40));
  // A zero timeout only polls.
  EXPECT_TRUE(reader.read(0, &lines).is_ok());
}

TEST(LineReader, OverlongLineIsSkippedWithAWarningNamingIt) {
  LogCapture capture;
  Pipe pipe;
  const std::string huge(300000, 'x');  // larger than the pipe buffer and the read chunk
  std::thread writer([&] {
    pipe.write("short one\n" + huge + "\nafter\n" + huge + "tail");
    pipe.close_write();
  });
  LineReader reader(pipe.read_fd(), 1000);
  const auto lines = read_all(&reader);
  writer.join();
  EXPECT_EQ(texts(lines), (std::vector<std::string>{"short one", "after"}));
  EXPECT_EQ(lines[1].line_no, 3u);  // the skipped line still counts
  EXPECT_EQ(reader.skipped_lines(), 2u);
  ASSERT_EQ(capture.warnings.size(), 2u);
  EXPECT_NE(capture.warnings[0].find("line 2"), std::string::npos) << capture.warnings[0];
  EXPECT_NE(capture.warnings[1].find("line 4"), std::string::npos) << capture.warnings[1];
}

TEST(LineReader, LimitIsInclusiveAndIgnoresTheCarriageReturn) {
  LogCapture capture;
  Pipe pipe;
  pipe.write(std::string(10, 'a') + "\n" + std::string(10, 'b') + "\r\n" + std::string(11, 'c') +
             "\n" + std::string(10, 'd') + "\r");
  pipe.close_write();
  LineReader reader(pipe.read_fd(), 10);
  const auto lines = read_all(&reader);
  EXPECT_EQ(texts(lines), (std::vector<std::string>{std::string(10, 'a'), std::string(10, 'b'),
                                                    std::string(10, 'd')}));
  EXPECT_EQ(reader.skipped_lines(), 1u);
  ASSERT_EQ(capture.warnings.size(), 1u);
  EXPECT_NE(capture.warnings[0].find("line 3"), std::string::npos);
}

TEST(LineReader, EmptyInput) {
  Pipe pipe;
  pipe.close_write();
  LineReader reader(pipe.read_fd(), 10);
  EXPECT_TRUE(read_all(&reader).empty());
}

TEST(LineReader, ClosedDescriptorIsAnError) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ::close(fds[0]);
  ::close(fds[1]);
  LineReader reader(fds[0], 10);
  std::vector<LineReader::Line> lines;
  const Status st = reader.read(10, &lines);
  EXPECT_FALSE(st.is_ok());
  EXPECT_NE(st.code(), StatusCode::kEndOfStream);
}

TEST(LineReader, ReadsARegularFile) {
  const std::string path = fixture_path("claude/malformed.jsonl");
  const int fd = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0) << path;
  LineReader reader(fd, size_t{16} << 20);
  const auto lines = read_all(&reader);
  ::close(fd);
  EXPECT_EQ(texts(lines), split_lines(read_file(path)));
}

}  // namespace
}  // namespace stream_tts::test
