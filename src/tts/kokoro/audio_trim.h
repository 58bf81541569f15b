// Cutting the near-silence Kokoro puts around speech (≈ 0.3 s before, up to 0.7 s after), as the
// kokoro-ja worker does (workers/kokoro_ja/kokoro_ja_worker/model.py, trim): keep from `pad_s`
// before the first sample above `threshold` to `pad_s` after the last, with a short linear fade at
// both ends so that the cut cannot click.
#pragma once

#include <span>
#include <utility>

namespace stream_tts::kokoro {

struct TrimOptions {
  float threshold = 0.01f;  // |sample| above this is speech
  float pad_s = 0.03f;      // seconds kept on each side of the speech
  float fade_s = 0.003f;    // linear fade-in / fade-out, seconds
};

// [begin, end) of the samples to keep; begin == end when nothing is above the threshold.
std::pair<size_t, size_t> trim_range(std::span<const float> audio, int sample_rate,
                                     const TrimOptions& options = {});

// The fade of `options` applied to both ends of `audio` (the kept range), in place.
void fade_ends(std::span<float> audio, int sample_rate, const TrimOptions& options = {});

}  // namespace stream_tts::kokoro
