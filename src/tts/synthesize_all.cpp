#include "tts/synthesizer.h"

namespace stream_tts {

Result<std::vector<float>> synthesize_all(Synthesizer& synth, std::string_view text,
                                          const SynthesisOptions& options) {
  auto stream = synth.start(text, options);
  if (!stream) return stream.status();
  std::vector<float> all;
  for (;;) {
    AudioChunk chunk;
    Status s = (*stream)->next(&chunk);
    if (s.code() == StatusCode::kEndOfStream) break;
    if (!s) return s;
    all.insert(all.end(), chunk.samples.begin(), chunk.samples.end());
    if (chunk.is_last) break;
  }
  return all;
}

}  // namespace stream_tts
