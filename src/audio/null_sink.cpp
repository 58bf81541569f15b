#include "audio/null_sink.h"

#include <string>

namespace stream_tts::audio {

std::string NullSink::describe() const { return "null @" + std::to_string(sample_rate_) + " Hz"; }

Status NullSink::write(std::span<const float> samples) {
  // Writing after close() is a caller bug every sink reports the same way.
  if (closed_) return Status(StatusCode::kUnavailable, "null sink is closed");
  samples_written_.fetch_add(samples.size(), std::memory_order_relaxed);
  return Status::ok();
}

Status NullSink::close() {
  closed_ = true;
  return Status::ok();
}

}  // namespace stream_tts::audio
