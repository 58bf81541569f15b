// Test helpers for synthesizer tests: run a SynthesisStream to its last chunk (or its first error)
// and measure what came out.
#pragma once

#include <cmath>
#include <cstddef>
#include <stop_token>
#include <vector>

#include "tts/synthesizer.h"

namespace stream_tts::testing_support {

struct DrainedAudio {
  std::vector<float> samples;       // every chunk's samples, in order
  std::vector<size_t> chunk_sizes;  // samples per chunk
  int sample_rate = 0;              // of the last chunk
  Status status;                    // the first non-OK status (kEndOfStream included), else OK
};

inline DrainedAudio drain(SynthesisStream& stream, std::stop_token stop = {}) {
  DrainedAudio out;
  for (;;) {
    AudioChunk chunk;
    Status s = stream.next(&chunk, stop);
    if (!s) {
      out.status = s;
      break;
    }
    out.samples.insert(out.samples.end(), chunk.samples.begin(), chunk.samples.end());
    out.chunk_sizes.push_back(chunk.samples.size());
    out.sample_rate = chunk.sample_rate;
    if (chunk.is_last) break;
  }
  return out;
}

inline double rms(const std::vector<float>& x) {
  double sum = 0;
  for (float v : x) sum += static_cast<double>(v) * v;
  return x.empty() ? 0.0 : std::sqrt(sum / static_cast<double>(x.size()));
}

}  // namespace stream_tts::testing_support
