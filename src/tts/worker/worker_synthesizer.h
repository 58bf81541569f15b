// The `worker:<name>` synthesizer backend: speech from an external worker process (Kokoro in
// Python, or anything that speaks docs/worker-protocol.md), run by a worker::WorkerManager. It
// implements the same streaming interface as the in-process backends: start() sends a request,
// next() hands out the worker's chunks as they arrive (the last chunk, empty, has is_last), a stop
// request cancels the request in the worker.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tts/synthesizer.h"

namespace stream_tts {

// A --voice value for a worker: one voice ("jf_alpha"), or a blend of voices with weights
// ("jf_alpha:0.7+jm_kumo:0.3" or "jf_alpha:0.7,jm_kumo:0.3"; a weight left out is 1; the worker
// normalises them). Parsed by parse_voice_blend (tts/voice_blend.h).
struct WorkerVoiceSpec {
  std::string voice;                                  // one voice; empty for a blend
  std::vector<std::pair<std::string, double>> blend;  // two or more voices
};
// Errors: kInvalidArgument naming the bad part.
Result<WorkerVoiceSpec> parse_worker_voice(std::string_view spec);

// config.backend is "worker:NAME"; NAME is looked up in config.workers_file (empty: the default
// workers.json and the built-in entries). Starts the worker and waits for its capabilities.
// Throws Error: kInvalidArgument (unknown worker, listing the known ones; unknown voice; bad
// config), kUnavailable (the worker cannot start), kDataError (protocol version).
std::unique_ptr<Synthesizer> make_worker_synthesizer(const SynthesizerConfig& config);

}  // namespace stream_tts
