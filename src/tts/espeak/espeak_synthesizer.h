#pragma once

#include <memory>

#include "tts/synthesizer.h"

namespace stream_tts {

// eSpeak NG in process (libespeak-ng), for English and as a fallback voice; 22,050 Hz.
// Throws Error(kNotFound) when espeak-ng-data is missing.
std::unique_ptr<Synthesizer> make_espeak_synthesizer(const SynthesizerConfig& config);

}  // namespace stream_tts
