// PortAudio's library lifetime as an object: Pa_Initialize on open, Pa_Terminate on destruction.
// Internal to st_audio. Any thread may open a session; PortAudio's own init/terminate are not
// thread-safe, so sessions serialise them. Every Pa_* call (other than inside a stream callback)
// must happen while a session is alive.
#pragma once

#include <memory>

#include "stream_tts/status.h"

namespace stream_tts::audio {

class PortAudioSession {
 public:
  // kUnavailable when PortAudio cannot initialise (no audio system at all).
  static Result<std::unique_ptr<PortAudioSession>> open();
  ~PortAudioSession();
  PortAudioSession(const PortAudioSession&) = delete;
  PortAudioSession& operator=(const PortAudioSession&) = delete;

 private:
  PortAudioSession() = default;
};

}  // namespace stream_tts::audio
