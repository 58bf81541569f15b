#include "tts/openjtalk/openjtalk_synthesizer.h"

namespace stream_tts {

std::unique_ptr<Synthesizer> make_openjtalk_synthesizer(const SynthesizerConfig&) {
  throw Error(StatusCode::kInternal, "openjtalk backend not implemented yet");
}

}  // namespace stream_tts
