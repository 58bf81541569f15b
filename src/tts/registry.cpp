// The one place synthesizer backends are named.
#include "tts/espeak/espeak_synthesizer.h"
#include "tts/kokoro/kokoro_synthesizer.h"
#include "tts/openjtalk/openjtalk_synthesizer.h"
#include "tts/synthesizer.h"
#include "tts/worker/worker_synthesizer.h"

namespace stream_tts {

std::vector<std::string> synthesizer_backends() { return {"openjtalk", "kokoro", "espeak"}; }

std::unique_ptr<Synthesizer> make_synthesizer(const SynthesizerConfig& config) {
  if (config.backend == "openjtalk") return make_openjtalk_synthesizer(config);
  if (config.backend == "espeak") return make_espeak_synthesizer(config);
  if (config.backend == "kokoro") return make_kokoro_synthesizer(config);
  if (config.backend.rfind("worker:", 0) == 0) return make_worker_synthesizer(config);
  throw Error(StatusCode::kInvalidArgument,
              "unknown synthesizer backend '" + config.backend + "' (available: openjtalk, kokoro, espeak, worker:NAME)");
}

}  // namespace stream_tts
