// The streaming pipeline (DESIGN.md, "Engine"): input -> text stage -> translator -> synthesizer ->
// sink, three threads joined by bounded queues so that translating sentence n+1 overlaps
// synthesising and playing sentence n. Sentence order is kept (each stage is a single FIFO worker).
//
// Ownership: the Pipeline borrows the translator, synthesizers (through the router), sink and
// metrics log; they must outlive run(). One run() at a time.
#pragma once

#include <stop_token>
#include <string_view>

#include "audio/sink.h"
#include "engine/metrics.h"
#include "engine/voice_router.h"
#include "input/input_adapter.h"
#include "stream_tts/status.h"
#include "text/cleaner.h"
#include "text/segmenter.h"
#include "translate/translator.h"
#include "tts/synthesizer.h"

namespace stream_tts {

struct PipelineOptions {
  InputOptions input;
  CleanerOptions cleaner;
  SegmenterOptions segmenter;
  SynthesisOptions synthesis;  // rate, pitch, volume for every voice (voice names: the router)
  size_t sentence_queue = 1024;  // sentences waiting for translation (input is never blocked long)
  size_t utterance_queue = 2;    // translated sentences waiting for synthesis
};

class Pipeline {
 public:
  Pipeline(PipelineOptions options, Translator& translator, const VoiceRouter& voices,
           AudioSink& sink, MetricsLog& metrics);

  // Reads `fd` until EOF (or stop), speaking as it goes, then waits until the sink has played
  // everything. On stop, drops queued text and buffered audio and returns kCancelled promptly.
  // Errors: kUnavailable when the sink fails (the sentences spoken so far stay in the metrics).
  Status run(int fd, std::stop_token stop = {});
  // Speaks `text` (markdown allowed) as if it were one text block.
  Status run_text(std::string_view text, std::stop_token stop = {});

 private:
  class Run;
  PipelineOptions options_;
  Translator& translator_;
  const VoiceRouter& voices_;
  AudioSink& sink_;
  MetricsLog& metrics_;
};

}  // namespace stream_tts
