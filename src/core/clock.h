#pragma once

#include <chrono>

namespace stream_tts {

// Milliseconds on the steady clock since the first call in this process.
inline double now_ms() {
  using Clock = std::chrono::steady_clock;
  static const Clock::time_point start = Clock::now();
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

}  // namespace stream_tts
