#include "audio/raw_sink.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <string>

namespace stream_tts::audio {
namespace {

// A write to a pipe whose reader has gone (`stream-tts --out raw | head -c 100`) raises SIGPIPE,
// which kills the process by default. A library must not change the process-wide disposition, so
// the signal is blocked in this thread only while we write; when the write failed with EPIPE the
// pending signal is taken off the thread with sigtimedwait (unless one was already pending before
// we started, which belongs to someone else) so that restoring the mask does not deliver it.
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_mask_);
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  }
  ~SigpipeBlock() { pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr); }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;

  void swallow_raised_signal() {
    if (was_pending_) return;
    const timespec no_wait{};
    while (sigtimedwait(&pipe_, nullptr, &no_wait) < 0 && errno == EINTR) {
    }
  }

 private:
  sigset_t pipe_{};
  sigset_t old_mask_{};
  bool was_pending_ = false;
};

}  // namespace

int16_t float_to_s16(float sample) {
  if (!(sample == sample)) return 0;  // NaN: silence rather than an undefined conversion
  const float clipped = std::fmin(1.0f, std::fmax(-1.0f, sample));
  return static_cast<int16_t>(std::lrintf(clipped * 32767.0f));
}

std::string RawSink::describe() const {
  return "raw s16le mono @" + std::to_string(sample_rate_) + " Hz (fd " + std::to_string(fd_) + ")";
}

Status RawSink::write(std::span<const float> samples) {
  if (closed_) return Status(StatusCode::kUnavailable, "raw sink is closed");
  if (broken_) return Status(StatusCode::kUnavailable, "raw output is closed by its reader");
  constexpr size_t kPerChunk = std::tuple_size_v<decltype(bytes_)> / 2;
  while (!samples.empty()) {
    const size_t n = std::min(samples.size(), kPerChunk);
    for (size_t i = 0; i < n; ++i) {
      // Little-endian by construction, whatever the host's byte order.
      const auto v = static_cast<uint16_t>(float_to_s16(samples[i]));
      bytes_[2 * i] = static_cast<uint8_t>(v & 0xff);
      bytes_[2 * i + 1] = static_cast<uint8_t>(v >> 8);
    }
    if (Status s = write_bytes(bytes_.data(), 2 * n); !s) return s;
    samples = samples.subspan(n);
  }
  return Status::ok();
}

Status RawSink::write_bytes(const uint8_t* data, size_t size) {
  SigpipeBlock block;
  while (size > 0) {
    const ssize_t n = ::write(fd_, data, size);
    if (n > 0) {
      data += n;
      size -= static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      // Someone made the descriptor non-blocking (a shared stdout can be); wait instead of spinning.
      pollfd p{fd_, POLLOUT, 0};
      ::poll(&p, 1, -1);
      continue;
    }
    const int err = n < 0 ? errno : EIO;
    broken_ = true;
    if (err == EPIPE) {
      block.swallow_raised_signal();
      return Status(StatusCode::kUnavailable, "raw output is closed by its reader (broken pipe)");
    }
    return Status(StatusCode::kUnavailable, std::string("cannot write raw audio: ") + std::strerror(err));
  }
  return Status::ok();
}

Status RawSink::close() {
  closed_ = true;
  return Status::ok();
}

}  // namespace stream_tts::audio
