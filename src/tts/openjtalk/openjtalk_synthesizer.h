#pragma once

#include <memory>

#include "tts/synthesizer.h"

namespace stream_tts {

// Open JTalk in process: text analysis (MeCab + NJD + JPCommon, NAIST-jdic) and the HTS engine
// with an .htsvoice; 48 kHz. Throws Error(kNotFound) when the dictionary or voice is missing.
//
// Streaming: start() analyses the text and generates the HTS parameters of its first sentence; each
// next() vocodes a block of 5 ms frames (a short first block), with samples bit-identical to the
// engine's whole-utterance output. Text over ~200 characters is spoken sentence by sentence.
// Voices: the configured one (by name, e.g. "nitech_jp_atr503_m001", or by path); options.voice may
// also name another .htsvoice file, loaded on first use and kept.
// Threads: one thread at a time per synthesizer. Each voice holds one utterance at a time: a
// start() on a voice supersedes that voice's previous stream, whose next() then returns kCancelled.
// A stream may outlive its synthesizer.
std::unique_ptr<Synthesizer> make_openjtalk_synthesizer(const SynthesizerConfig& config);

}  // namespace stream_tts
