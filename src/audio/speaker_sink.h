// "speaker[:DEVICE]": plays through PortAudio.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "audio/sink.h"

namespace stream_tts::audio {

// device_query: "" (default device), an index, or a case-insensitive name substring
// (see find_output_device). The stream runs at the device's default rate (sample_rate() says
// which) and is started here, so the first write() plays without start-up delay.
// Errors: kNotFound (no such device; the message lists the available ones), kUnavailable
// (PortAudio cannot start, there is no output device, or the device refuses the stream).
Result<std::unique_ptr<AudioSink>> open_speaker_sink(std::string_view device_query,
                                                     const SinkOptions& options);

// In place: `frames` mono samples at the front of `buffer` (room for 2 * frames floats) become
// interleaved stereo frames with both channels equal. Real-time safe; used by the callback.
void spread_mono_to_stereo(float* buffer, size_t frames);

}  // namespace stream_tts::audio
