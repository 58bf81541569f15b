#include "tts/synthesizer.h"

namespace stream_tts {
namespace {

bool in_range(float x, float lo, float hi) { return x >= lo && x <= hi; }  // false for NaN

}  // namespace

Status check_options(const SynthesisOptions& options) {
  if (!in_range(options.rate, 0.25f, 4.0f) || !in_range(options.pitch, -12.0f, 12.0f) ||
      !in_range(options.volume, 0.0f, 4.0f)) {
    return Status(StatusCode::kInvalidArgument,
                  "rate must be 0.25..4, pitch -12..12 semitones, volume 0..4");
  }
  return Status();
}

}  // namespace stream_tts
