// Writes recorded lines into a pipe with a delay between them, as a live assistant would, so that
// the demo and the end-to-end benchmark exercise the real streaming path (fd -> LineReader -> ...).
#pragma once

#include <stop_token>
#include <string_view>
#include <thread>

namespace stream_tts {

struct ReplayTiming {
  double delta_ms = 30.0;  // after a streamed delta line ("stream_event")
  double other_ms = 150.0; // after any other line (whole messages, tool results)
  double speed = 1.0;      // divides both delays; 0 = no delays
};

// Starts a thread writing `content` (JSONL or text lines) to a new pipe; returns the read end in
// *read_fd (the caller closes it). The writer closes its end when done or on stop.
std::jthread start_replay(std::string_view content, ReplayTiming timing, int* read_fd);

}  // namespace stream_tts
