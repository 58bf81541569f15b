// One Open JTalk request being vocoded. The text arrives as one or more pieces (text_splitter.h);
// each piece is an HTS utterance whose parameters are generated in one go (in start() for the first
// piece, inside the next() that finishes the previous piece for the others), then vocoded a block
// of frames per next() call, the very first block small so that the first audio comes early.
#pragma once

#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "tts/openjtalk/frame_vocoder.h"
#include "tts/openjtalk/hts_voice.h"
#include "tts/openjtalk/text_analyzer.h"
#include "tts/synthesizer.h"

namespace stream_tts {

// Frames are 5 ms for the Debian voice (240 samples at 48 kHz). The first block is short because
// the listener waits for it; later blocks are larger to cut per-call overhead but stay short enough
// (a few ms of vocoding) that a stop request is seen quickly.
constexpr size_t kFirstBlockFrames = 20;  // 100 ms of audio
constexpr size_t kBlockFrames = 60;       // 300 ms of audio

struct UtteranceSettings {
  float rate = 1.0f;   // HTS speed factor
  float pitch = 0.0f;  // semitones added to log F0
  float gain = 1.0f;   // linear, applied to the output samples
};

class OpenJTalkStream final : public SynthesisStream {
 public:
  // Prepares the first piece that has something to say. Errors: kDataError when none has; kInternal
  // from the analyser or the engine. The analyser and voice are shared with the synthesizer, which
  // runs one stream per voice at a time: a later start() on the same voice supersedes this stream.
  static Result<std::unique_ptr<SynthesisStream>> start(std::shared_ptr<TextAnalyzer> analyzer,
                                                        std::shared_ptr<HtsVoice> voice,
                                                        std::vector<std::string> pieces,
                                                        const UtteranceSettings& settings);
  // Frees the piece's buffers in the engine, unless a newer stream has replaced it.
  ~OpenJTalkStream() override;

  // Errors: kCancelled when `stop` is requested or when a newer start() on the same voice has taken
  // the engine; an error preparing a later piece is returned by the call after the chunk that ends
  // the one before it.
  Status next(AudioChunk* chunk, std::stop_token stop) override;

 private:
  OpenJTalkStream(std::shared_ptr<TextAnalyzer> analyzer, std::shared_ptr<HtsVoice> voice,
                  std::vector<std::string> pieces, const UtteranceSettings& settings);
  // Analyses and prepares pieces from next_piece_ on, skipping those with nothing to say, until one
  // is ready to vocode. kEndOfStream when none is left; the last skipped piece's kDataError is kept
  // in *last_skip so that a request with nothing to say at all can report why.
  Status prepare_next_piece(Status* last_skip);
  void finish_piece();

  std::shared_ptr<TextAnalyzer> analyzer_;
  std::shared_ptr<HtsVoice>
      voice_;  // shared: keeps the engine alive even if the synthesizer goes first
  std::vector<std::string> pieces_;
  size_t next_piece_ = 0;
  UtteranceSettings settings_;
  double scale_;  // gain / 32768: the engine produces samples in 16-bit scale

  uint64_t ticket_ = 0;                    // the voice's utterance this stream owns
  std::unique_ptr<FrameVocoder> vocoder_;  // null between pieces and at the end
  bool first_block_ = true;
  bool finished_ = false;
  Status deferred_;  // an error preparing the next piece, reported by the following call

  std::vector<std::string> labels_;
  std::vector<double> raw_;
  std::vector<float> samples_;  // the chunk handed out; valid until the next call
};

}  // namespace stream_tts
