// Frames of the worker protocol (docs/worker-protocol.md, "Frames"): two big-endian u32 lengths, a
// JSON header and a binary payload. The decoder is incremental: it takes bytes as they arrive from
// a non-blocking descriptor and hands out whole frames. It checks both lengths as soon as the
// 8-byte prefix is in, so an absurd length is an error before any memory is set aside for it; the
// buffer grows only with bytes that really arrived.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "stream_tts/status.h"

namespace stream_tts::worker {

inline constexpr uint32_t kFramePrefixBytes = 8;
inline constexpr uint32_t kMinHeaderBytes = 2;  // "{}"
inline constexpr uint32_t kMaxHeaderBytes = 65536;
inline constexpr uint32_t kMaxPayloadBytes = 16u << 20;  // 16 MiB

struct Frame {
  std::string header;   // the JSON text, not yet parsed (messages.h parses it)
  std::string payload;  // raw bytes: PCM samples or UTF-8 text
};

// Appends one encoded frame to `out`. Errors (kInvalidArgument) when a length is out of range.
Status append_frame(std::string* out, std::string_view header, std::string_view payload = {});

class FrameDecoder {
 public:
  // Room for at least `n` more bytes; write into it, then commit() what was written. The pointer is
  // valid until the next call on the decoder.
  char* prepare(size_t n);
  void commit(size_t n);
  // Copies `data` in (tests, small writes).
  void feed(std::string_view data);

  // Takes the next complete frame. *got is false when more bytes are needed. A protocol error
  // (kDataError: a length out of range) is sticky: the connection must be closed.
  Status next(Frame* frame, bool* got);
  // The stream ended: ok between frames, kDataError "truncated frame" inside one.
  Status finish() const;

  size_t buffered() const { return buffer_.size() - start_; }
  size_t capacity() const { return buffer_.capacity(); }

 private:
  std::string buffer_;  // bytes [start_, size) are unread
  size_t start_ = 0;
  size_t prepared_ = 0;  // room handed out by prepare(), not yet committed
  Status error_;
};

}  // namespace stream_tts::worker
