#pragma once

#include <memory>

#include "tts/synthesizer.h"

namespace stream_tts {

// Open JTalk in process: text analysis (MeCab + NJD + JPCommon, NAIST-jdic) and the HTS engine
// with an .htsvoice; 48 kHz. Throws Error(kNotFound) when the dictionary or voice is missing.
std::unique_ptr<Synthesizer> make_openjtalk_synthesizer(const SynthesizerConfig& config);

}  // namespace stream_tts
