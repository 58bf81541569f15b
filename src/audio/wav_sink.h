// "wav:FILE": 16-bit PCM mono WAV through libsndfile.
#pragma once

#include <memory>
#include <string>

#include "audio/sink.h"

namespace stream_tts::audio {

// Creates (truncates) path. kNotFound when its folder does not exist, kUnavailable when the
// file cannot be created; both messages name the path.
Result<std::unique_ptr<AudioSink>> open_wav_sink(const std::string& path, int sample_rate);

}  // namespace stream_tts::audio
