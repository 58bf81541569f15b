// Turns a CliConfig into loaded components. This is where concrete backends are chosen (through
// the registries), so the engine never names one.
#pragma once

#include <memory>
#include <vector>

#include "audio/sink.h"
#include "cli_config.h"
#include "engine/voice_router.h"
#include "translate/translator.h"
#include "tts/synthesizer.h"

namespace stream_tts::cli {

struct Voices {
  std::vector<std::unique_ptr<Synthesizer>> synths;
  VoiceRouter router;
};

// Throws Error when a backend cannot load (missing dictionary, voice, model).
std::unique_ptr<Translator> load_translator(const CliConfig& config);
Voices load_voices(const CliConfig& config);
// Opens config.out, or config.fallback_out (with a warning) when that fails. Throws Error.
std::unique_ptr<AudioSink> open_output(const CliConfig& config);

}  // namespace stream_tts::cli
