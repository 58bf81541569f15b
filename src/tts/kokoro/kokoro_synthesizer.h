// The native Kokoro-82M backend (`--tts kokoro`): Japanese text → Kokoro phonemes (g2p/, the front
// end the voices were made with) → clauses (clauses.h, the kokoro-ja worker's rules) → the model on
// the CPU (kokoro_model.h) → 24 kHz audio, trimmed of the model's padding silence.
//
// Voices: the five packaged ones (jf_alpha default, jf_gongitsune, jf_nezumi, jf_tebukuro, jm_kumo)
// or a blend, "jf_alpha:0.7,jm_kumo:0.3". SynthesisOptions: rate → the model's speed, pitch →
// the F0 curve scaled, volume → gain.
// Streaming: one chunk per clause (a pause follows each but the last), so a long sentence starts
// speaking after its first clause.
// Threads: start() and next() from one thread at a time per synthesizer; the loaded model is
// shared read-only by its streams. A stream may outlive its synthesizer.
#pragma once

#include <memory>

#include "tts/synthesizer.h"

namespace stream_tts {

// config.model_dir: the kokoro-ja folder, config.g2p_dir: the kokoro-ja-g2p folder (empty: the
// installed models). Loading takes a second or two (the weights are mapped, the kernels packed).
// Throws Error: kNotFound (a model is not installed: says which `stream-tts models install`),
// kDataError (a corrupt or foreign model file), kInvalidArgument (unknown voice).
std::unique_ptr<Synthesizer> make_kokoro_synthesizer(const SynthesizerConfig& config);

}  // namespace stream_tts
