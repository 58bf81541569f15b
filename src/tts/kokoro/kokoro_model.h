// Kokoro-82M on the CPU, all stages chained: tokens → ALBERT → durations → frames → F0/N → decoder →
// iSTFTNet generator → 24 kHz audio, with the packaged int8 file's arithmetic (docs/kokoro.md).
//
//   KokoroModel model(models::resolve_model("kokoro-ja").string());
//   auto table = model.voices().style_table("jf_alpha").value();
//   auto audio = model.synthesize(model.vocab().encode(phonemes), table, {});
//
// The loaded model is read-only and may be shared: synthesize() may run on several threads at once
// (each call allocates its own buffers). The weight file stays mapped while the model lives.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

#include "stream_tts/status.h"
#include "tts/g2p/kokoro_vocab.h"
#include "tts/kokoro/kokoro_voices.h"

namespace stream_tts::kokoro {

class KokoroModel {
 public:
  static constexpr int kSampleRate = 24000;

  // `model_dir`: the installed kokoro-ja folder (kokoro-v1.0.int8.onnx, voices_ja.npz,
  // vocab.json). Throws Error(kNotFound) naming a missing file, Error(kDataError) for a file
  // that is not Kokoro-82M's (wrong architecture, truncated, corrupt).
  explicit KokoroModel(const std::string& model_dir);
  ~KokoroModel();
  KokoroModel(const KokoroModel&) = delete;
  KokoroModel& operator=(const KokoroModel&) = delete;

  const KokoroVoices& voices() const;
  const g2p::KokoroVocab& vocab() const;

  // Time spent per stage by one synthesize() call, milliseconds.
  struct Timing {
    double front_ms = 0;      // ALBERT, text encoder, durations, frames, F0/N
    double decoder_ms = 0;
    double generator_ms = 0;
  };
  struct Options {
    float speed = 1.0f;  // speaking rate, (0, 4]: the predicted durations are divided by it
    float pitch = 0.0f;  // semitones, [-12, 12]: the predicted F0 curve is scaled by 2^(pitch/12)
  };
  // `tokens`: phoneme ids without the padding (1..510; more is kInvalidArgument), `style_table`:
  // a voice's [510 x 256] table (KokoroVoices::style_table; the row is chosen by the token
  // count). Returns the untrimmed waveform (the model pads ≈ 0.3 s before and
  // up to 0.7 s after speech; audio_trim.h cuts it). kCancelled when `stop` is requested (checked
  // between stages).
  Result<std::vector<float>> synthesize(std::span<const int64_t> tokens,
                                        std::span<const float> style_table,
                                        const Options& options, std::stop_token stop = {},
                                        Timing* timing = nullptr) const;

  // Streaming: prepare() runs everything but the generator (ALBERT, durations, F0/N, decoder, the
  // harmonic source) for the whole utterance; generate() then makes any window of its audio.
  struct Prepared {
    size_t frames2 = 0;          // decoder frames: 80 a second, kSamplesPerFrame samples each
    std::vector<float> x;        // [frames2 x 512]: the generator's input
    std::vector<float> source;   // [kSamplesPerFrame · frames2]: the harmonic source
    std::vector<float> style;    // the 256-value style row
    std::vector<int64_t> durations;  // frames (25 ms) per token, the padding included
  };
  static constexpr size_t kSamplesPerFrame = 300;
  Result<Prepared> prepare(std::span<const int64_t> tokens, std::span<const float> style_table,
                           const Options& options, std::stop_token stop = {},
                           Timing* timing = nullptr) const;
  // Samples [300·begin, 300·end) of the prepared utterance: the generator runs on frames
  // [begin − context, end + context) (clipped to the utterance) and the context's samples are
  // dropped. generate(p, 0, p.frames2, 0) is synthesize()'s output exactly. A window is not
  // bit-identical to the same samples of the whole: the generator's instance norms and dynamic
  // quantisation take their statistics over what they are given (docs/kokoro.md, streaming).
  Result<std::vector<float>> generate(const Prepared& prepared, size_t begin, size_t end,
                                      size_t context) const;

  // How a prepared utterance is cut into windows for streaming: a short first window (its audio
  // leaves soonest), each next one twice as long up to `max_frames`; `context` frames on each
  // side (the generator's receptive field is ≈ 8 frames).
  struct WindowPlan {
    size_t first_frames = 16;  // 200 ms of audio
    size_t max_frames = 96;    // 1.2 s
    size_t context = 16;
  };
  // [begin, end) frame ranges covering [0, frames2) in order; a tail shorter than half the first
  // window joins the window before it.
  static std::vector<std::pair<size_t, size_t>> windows(size_t frames2, const WindowPlan& plan);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace stream_tts::kokoro
