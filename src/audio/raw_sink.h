// "raw": signed 16-bit little-endian mono PCM written to a file descriptor (stdout for --out raw),
// e.g. `stream-tts --out raw | aplay -f S16_LE -r 48000 -c 1`.
#pragma once

#include <array>
#include <cstdint>

#include "audio/sink.h"

namespace stream_tts::audio {

class RawSink final : public AudioSink {
 public:
  // Does not take ownership of fd: close() stops writing but leaves the descriptor open.
  RawSink(int fd, int sample_rate) : fd_(fd), sample_rate_(sample_rate) {}
  std::string describe() const override;
  int sample_rate() const override { return sample_rate_; }
  // kUnavailable when the reader went away (EPIPE) or the descriptor fails; the process is not
  // killed by SIGPIPE. Samples are clipped to [-1, 1].
  Status write(std::span<const float> samples) override;
  // Nothing is buffered in user space: every write() reached the descriptor already.
  Status drain() override { return Status::ok(); }
  Status close() override;

 private:
  Status write_bytes(const uint8_t* data, size_t size);

  int fd_;
  int sample_rate_;
  bool closed_ = false;
  bool broken_ = false;  // a write failed; later writes fail the same way without retrying
  std::array<uint8_t, 8192> bytes_{};  // conversion buffer, so write() never allocates
};

// Float sample -> signed 16-bit, clipped and rounded (shared with tests).
int16_t float_to_s16(float sample);

}  // namespace stream_tts::audio
