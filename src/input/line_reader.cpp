// Splits a file descriptor's bytes into lines.
//
// poll(2) gives the timeout, so the caller can run idle-time flush rules while the producer is
// thinking; one read(2) per call returns whatever is available (a whole burst of stream-json lines
// at once) without blocking again. An over-long line is dropped as it streams past: its bytes are
// never accumulated beyond the limit, so a 1 GiB line costs no more memory than a short one.
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/clock.h"
#include "core/log.h"
#include "input/input_adapter.h"

namespace stream_tts {
namespace {

constexpr size_t kReadChunk = 16 * 1024;

}  // namespace

LineReader::LineReader(int fd, size_t max_line_bytes)
    : fd_(fd), max_line_bytes_(max_line_bytes == 0 ? 1 : max_line_bytes) {}

LineReader::~LineReader() = default;  // the descriptor belongs to the caller

Status LineReader::read(int timeout_ms, std::vector<Line>* out) {
  if (eof_) return Status(StatusCode::kEndOfStream, "end of input");

  pollfd pfd{};
  pfd.fd = fd_;
  pfd.events = POLLIN;
  const int ready = ::poll(&pfd, 1, timeout_ms);
  if (ready < 0) {
    if (errno == EINTR) return Status::ok();
    return Status(StatusCode::kUnavailable, std::string("poll: ") + std::strerror(errno));
  }
  if (ready == 0) return Status::ok();  // timeout
  if ((pfd.revents & POLLNVAL) != 0) {
    return Status(StatusCode::kInvalidArgument, "input is not an open file descriptor");
  }

  // POLLIN, POLLHUP or POLLERR: read() tells which (data, end of input, or the error).
  char chunk[kReadChunk];
  const ssize_t n = ::read(fd_, chunk, sizeof chunk);
  if (n < 0) {
    if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) return Status::ok();
    return Status(StatusCode::kUnavailable, std::string("read: ") + std::strerror(errno));
  }
  const double t_ms = now_ms();

  if (n == 0) {
    eof_ = true;
    const bool had_partial = !discarding_ && !partial_.empty();
    if (had_partial) {
      // A last line without '\n' is still a line (a producer killed mid-write, or `printf`).
      if (partial_.back() == '\r') partial_.pop_back();
      if (partial_.size() > max_line_bytes_) {
        ++skipped_;
        log::warn("input line {}: longer than {} bytes; skipped", line_no_, max_line_bytes_);
      } else {
        out->push_back({std::move(partial_), line_no_, t_ms});
      }
      partial_.clear();
    }
    discarding_ = false;
    // Lines handed out now are the last; the next call reports the end.
    return had_partial ? Status::ok() : Status(StatusCode::kEndOfStream, "end of input");
  }

  const char* p = chunk;
  const char* const end = chunk + n;
  while (p < end) {
    const auto* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    const char* piece_end = nl != nullptr ? nl : end;
    if (!discarding_ && p != piece_end) {
      if (partial_.empty()) ++line_no_;  // the first byte of a new line
      partial_.append(p, piece_end);
      // One byte of slack for the '\r' of a "\r\n" ending, which is not part of the line.
      if (partial_.size() > max_line_bytes_ + 1) {
        ++skipped_;
        log::warn("input line {}: longer than {} bytes; skipped", line_no_, max_line_bytes_);
        partial_.clear();
        partial_.shrink_to_fit();
        discarding_ = true;
      }
    }
    if (nl == nullptr) break;
    if (discarding_) {
      discarding_ = false;  // the over-long line ends here
    } else {
      if (partial_.empty()) ++line_no_;  // an empty line ("\n" right after "\n")
      if (!partial_.empty() && partial_.back() == '\r') partial_.pop_back();
      if (partial_.size() > max_line_bytes_) {
        ++skipped_;
        log::warn("input line {}: longer than {} bytes; skipped", line_no_, max_line_bytes_);
      } else {
        out->push_back({partial_, line_no_, t_ms});
      }
      partial_.clear();
      // Keep the buffer for the next line, unless an unusually long one inflated it.
      if (partial_.capacity() > (size_t{1} << 20)) partial_.shrink_to_fit();
    }
    p = nl + 1;
  }
  return Status::ok();
}

}  // namespace stream_tts
