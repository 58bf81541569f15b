// Audio sinks: where samples go (speaker, WAV file, raw PCM on stdout, nowhere).
// A sink is fed mono float32 at sample_rate() from one thread (the engine's synthesis stage).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "stream_tts/status.h"

namespace stream_tts {

class AudioSink {
 public:
  virtual ~AudioSink() = default;
  virtual std::string describe() const = 0;  // "speaker:pulse @48000 Hz", "wav:out.wav"
  virtual int sample_rate() const = 0;       // the rate write() expects
  // Hands samples over; may block while a playback buffer is full (backpressure).
  virtual Status write(std::span<const float> samples) = 0;
  // Blocks until everything written was played / flushed to the file.
  virtual Status drain() = 0;
  // Drops audio that was written but not yet played (cancellation). Files keep what they have.
  // May be called from another thread than write(); a write() blocked on a full buffer then
  // returns early, dropping the rest of its chunk. Audio written after discard() plays.
  virtual void discard() {}
  // Finishes the output (WAV header, stream stop). Idempotent. The speaker drops what it has not
  // played yet: call drain() first to hear it.
  virtual Status close() = 0;
  // The writer has written the whole of one utterance: until the next write(), the buffer running
  // dry is a pause between sentences (the assistant still writing), not an underrun. Does not block.
  virtual void end_utterance() {}
  // Times playback ran dry while audio was expected (between a write() and the next drain(),
  // discard() or end_utterance()); one count per gap, however long it lasts. Any thread may call it.
  virtual uint64_t underruns() const { return 0; }
};

struct SinkOptions {
  // Rate for file/raw/null sinks; 0 = 48000. The speaker uses the device's default rate.
  int sample_rate = 0;
  // Speaker playback buffer in milliseconds (write() blocks when it is full).
  int buffer_ms = 20000;
  // Device latency hint in milliseconds for the speaker; 0 = PortAudio's default *high* latency
  // for the device (~35 ms on ALSA), which stays glitch-free while synthesis keeps a small CPU busy
  // (the default low latency, ~9 ms, dropped audio under load). Lower it for snappier barge-in.
  int latency_ms = 0;
};

// spec: "speaker[:DEVICE]" (device name substring or index), "wav:FILE", "raw" (signed 16-bit
// little-endian mono PCM to stdout at the sink rate), "null".
// Errors: kInvalidArgument (bad spec), kNotFound / kUnavailable (missing device, unwritable file).
Result<std::unique_ptr<AudioSink>> open_sink(std::string_view spec, const SinkOptions& options);

struct OutputDevice {
  int index = -1;
  std::string name;
  std::string host_api;
  int default_sample_rate = 0;
  int max_output_channels = 0;
  bool is_default = false;
};
// Errors: kUnavailable when the audio system cannot be initialised.
Result<std::vector<OutputDevice>> list_output_devices();

// Streaming sample-rate converter (libsamplerate), mono float32.
class Resampler {
 public:
  Resampler(int in_rate, int out_rate);  // throws Error on failure
  ~Resampler();
  Resampler(const Resampler&) = delete;
  Resampler& operator=(const Resampler&) = delete;
  int in_rate() const { return in_rate_; }
  int out_rate() const { return out_rate_; }
  // Converts `in` and appends to *out; end = true flushes the converter's tail (then reset()).
  Status process(std::span<const float> in, bool end, std::vector<float>* out);
  void reset();

 private:
  int in_rate_;
  int out_rate_;
  void* state_ = nullptr;
};

}  // namespace stream_tts
