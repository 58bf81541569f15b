// LineReader (src/input/input_adapter.h) on a real pipe, written in fuzzer-chosen pieces, each read
// before the next is written, so that lines, "\r\n" pairs and over-long lines straddle reads.
//
// Differential against the documented behaviour: a line ends at '\n', one '\r' before it is
// dropped, a last line without '\n' is delivered, a line longer than max_line_bytes is skipped
// (and counted, and still numbered); kEndOfStream only after every line, and never with lines.
//
// Input: [max_line_bytes byte][u32 split seed][bytes]. max_line_bytes: 0 = the default (16 MiB),
// else that many bytes.
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "input/input_adapter.h"

namespace {

namespace fz = stream_tts::fuzz;
using stream_tts::LineReader;
using stream_tts::Status;
using stream_tts::StatusCode;

struct Expected {
  std::vector<LineReader::Line> lines;
  uint64_t skipped = 0;
};

Expected reference(std::string_view s, size_t max_line_bytes) {
  Expected e;
  uint64_t no = 0;
  while (!s.empty()) {
    const size_t nl = s.find('\n');
    std::string_view line = s.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++no;
    if (line.size() > max_line_bytes) {
      ++e.skipped;
    } else {
      e.lines.push_back({std::string(line), no, 0.0});
    }
    if (nl == std::string_view::npos) break;
    s.remove_prefix(nl + 1);
  }
  return e;
}

int bytes_waiting(int fd) {
  int n = 0;
  if (::ioctl(fd, FIONREAD, &n) != 0) fz::fail("ioctl(FIONREAD) on the pipe failed");
  return n;
}

// Reads until the pipe is empty (each read() takes at most 16 KiB).
void drain(LineReader& reader, int fd, std::vector<LineReader::Line>* out) {
  while (bytes_waiting(fd) > 0) {
    const Status s = reader.read(0, out);
    fz::check(s.is_ok(), "LineReader::read with data waiting", "ok", s.message());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fz::Params params(data, size, 5);
  const uint8_t max_byte = params.byte();
  const uint32_t seed = params.u32();
  const size_t max_line_bytes = max_byte == 0 ? stream_tts::InputOptions{}.max_line_bytes : max_byte;
  const std::string_view stream = params.payload();

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) fz::fail("pipe2 failed");
  std::vector<LineReader::Line> got;
  uint64_t skipped = 0;
  {
    LineReader reader(fds[0], max_line_bytes);
    for (std::string_view piece : fz::split(stream, seed)) {
      while (!piece.empty()) {  // a piece larger than the pipe goes in several writes
        const ssize_t n = ::write(fds[1], piece.data(), piece.size());
        if (n < 0 && errno != EAGAIN) fz::fail("write to the pipe failed");
        if (n > 0) piece.remove_prefix(static_cast<size_t>(n));
        drain(reader, fds[0], &got);
      }
    }
    ::close(fds[1]);
    for (int calls = 0;; ++calls) {
      fz::check(calls < 1000, "LineReader reaches the end of the stream");
      const size_t before = got.size();
      const Status s = reader.read(-1, &got);
      if (s.code() == StatusCode::kEndOfStream) {
        fz::check(got.size() == before, "no lines come with kEndOfStream");
        fz::check(reader.read(0, &got).code() == StatusCode::kEndOfStream, "kEndOfStream is final");
        break;
      }
      fz::check(s.is_ok(), "LineReader::read at the end", "ok", s.message());
    }
    skipped = reader.skipped_lines();
  }
  ::close(fds[0]);

  const Expected want = reference(stream, max_line_bytes);
  fz::check(want.lines.size() == got.size(), "LineReader: number of lines",
            std::to_string(want.lines.size()), std::to_string(got.size()));
  for (size_t i = 0; i < got.size(); ++i) {
    fz::check(want.lines[i].text == got[i].text, "LineReader: line text", want.lines[i].text, got[i].text);
    fz::check(want.lines[i].line_no == got[i].line_no, "LineReader: line number",
              std::to_string(want.lines[i].line_no), std::to_string(got[i].line_no));
  }
  fz::check(want.skipped == skipped, "LineReader: skipped lines", std::to_string(want.skipped),
            std::to_string(skipped));
  return 0;
}
