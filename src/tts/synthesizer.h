// The streaming synthesis interface (libpiper style): start(text) then next(chunk) until is_last.
// A Synthesizer holds the loaded voice (read-only, loaded once). A SynthesisStream holds the state
// of one utterance; a Synthesizer runs at most one stream at a time (start() may reuse buffers of
// the previous stream, which must be destroyed first). Audio is mono float32 in [-1, 1].
#pragma once

#include <memory>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "stream_tts/status.h"

namespace stream_tts {

struct SynthesisOptions {
  std::string voice;    // backend voice name; empty = the backend's default
  float rate = 1.0f;    // speaking-rate factor: 1 = normal, 2 = twice as fast (0.25 .. 4)
  float pitch = 0.0f;   // pitch shift in semitones (-12 .. 12)
  float volume = 1.0f;  // linear gain (0 .. 4)
};

// kInvalidArgument unless rate is 0.25..4, pitch -12..12 semitones and volume 0..4 (NaN fails):
// the ranges SynthesisOptions documents, for backends that check them at start().
Status check_options(const SynthesisOptions& options);

struct AudioChunk {
  // Valid until the next call to next() or until the stream is destroyed.
  std::span<const float> samples;
  int sample_rate = 0;
  bool is_last = false;  // no more chunks follow (samples may still be non-empty)
};

class SynthesisStream {
 public:
  virtual ~SynthesisStream() = default;
  // Produces the next chunk. After a chunk with is_last, returns kEndOfStream.
  virtual Status next(AudioChunk* chunk, std::stop_token stop = {}) = 0;
};

struct VoiceInfo {
  std::string name;
  std::string lang;  // "ja", "en", ...
  std::string description;
};

class Synthesizer {
 public:
  virtual ~Synthesizer() = default;
  virtual std::string name() const = 0;
  virtual int sample_rate() const = 0;
  virtual std::vector<std::string> languages() const = 0;
  virtual std::vector<VoiceInfo> voices() const = 0;
  // Prepares one utterance. Errors: kInvalidArgument (bad voice/options), kDataError (nothing to say).
  virtual Result<std::unique_ptr<SynthesisStream>> start(std::string_view text,
                                                         const SynthesisOptions& options) = 0;
};

struct SynthesizerConfig {
  std::string backend;  // "openjtalk" | "espeak" | "kokoro" | "worker:NAME"
  std::string voice;    // default voice for this synthesizer; empty = backend default
  // Backend data locations; empty = the Debian package paths.
  std::string dictionary_dir;  // openjtalk: NAIST-jdic for Open JTalk
  std::string voice_file;      // openjtalk: .htsvoice
  std::string workers_file;    // worker:NAME: workers.json; empty = $XDG_CONFIG_HOME/stream-tts/workers.json
  std::string model_dir;       // kokoro: the kokoro-ja model folder; empty = the installed one
  std::string g2p_dir;         // kokoro: the kokoro-ja-g2p folder; empty = the installed one
  int threads = 0;             // kokoro: CPU threads of its int8 convolutions; 0 = all cores
};

// Throws Error (kInvalidArgument unknown backend, kNotFound missing voice/dictionary).
std::unique_ptr<Synthesizer> make_synthesizer(const SynthesizerConfig& config);
std::vector<std::string> synthesizer_backends();

// Runs a stream to its end and returns all samples (tests, `say --out wav`).
Result<std::vector<float>> synthesize_all(Synthesizer& synth, std::string_view text,
                                          const SynthesisOptions& options = {});

}  // namespace stream_tts
