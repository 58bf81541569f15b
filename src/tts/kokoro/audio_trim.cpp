#include "tts/kokoro/audio_trim.h"

#include <algorithm>
#include <cmath>

namespace stream_tts::kokoro {

std::pair<size_t, size_t> trim_range(std::span<const float> audio, int sample_rate,
                                     const TrimOptions& options) {
  const auto loud = [&](float v) { return std::fabs(v) > options.threshold; };
  const auto first = std::find_if(audio.begin(), audio.end(), loud);
  if (first == audio.end()) return {0, 0};
  const auto last = std::find_if(audio.rbegin(), audio.rend(), loud);
  const size_t pad = static_cast<size_t>(options.pad_s * static_cast<float>(sample_rate));
  const size_t lo = static_cast<size_t>(first - audio.begin());
  const size_t hi = audio.size() - static_cast<size_t>(last - audio.rbegin());  // one past
  return {lo > pad ? lo - pad : 0, std::min(audio.size(), hi + pad)};
}

void fade_ends(std::span<float> audio, int sample_rate, const TrimOptions& options) {
  const size_t n = std::min(static_cast<size_t>(options.fade_s * static_cast<float>(sample_rate)),
                            audio.size() / 2);
  for (size_t i = 0; i < n; ++i) {
    const float ramp = static_cast<float>(i) / static_cast<float>(n);
    audio[i] *= ramp;
    audio[audio.size() - 1 - i] *= ramp;
  }
}

}  // namespace stream_tts::kokoro
