// The streaming pipeline (DESIGN.md, "Engine"): input -> text stage -> translator -> synthesizer ->
// sink, three threads joined by bounded queues so that translating sentence n+1 overlaps
// synthesising and playing sentence n. Sentence order is kept (each stage is a single FIFO worker).
//
// Ownership: the Pipeline borrows the translator, synthesizers (through the router), sink and
// metrics log; they must outlive run(). One run() at a time.
#pragma once

#include <stop_token>
#include <cstdint>
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

// What the reader does when sentences complete faster than they can be spoken and the sentence
// queue is full.
enum class BacklogPolicy {
  kBlock,       // wait: the reader stops reading, the writer of the pipe blocks; nothing is lost
  kDropOldest,  // keep reading: the oldest waiting sentence is dropped (counted) to make room
};

// "block|drop-oldest"; returns false on an unknown name.
bool parse_backlog_policy(std::string_view name, BacklogPolicy* out);

struct PipelineOptions {
  InputOptions input;
  CleanerOptions cleaner;
  SegmenterOptions segmenter;
  SynthesisOptions synthesis;  // rate, pitch, volume for every voice (voice names: the router)
  // Sentences waiting for translation. With kBlock this bounds the memory a burst can take (the
  // rest waits in the pipe); with kDropOldest it is how far speech may lag behind the text.
  size_t sentence_queue = 1024;
  BacklogPolicy backlog = BacklogPolicy::kBlock;
  size_t utterance_queue = 2;    // translated sentences waiting for synthesis
};

// What one run did, beyond the per-sentence metrics.
struct RunReport {
  uint64_t sentences = 0;  // sentences the text stage produced
  uint64_t dropped = 0;    // of those, dropped from a full queue (BacklogPolicy::kDropOldest)
};

class Pipeline {
 public:
  Pipeline(PipelineOptions options, Translator& translator, const VoiceRouter& voices,
           AudioSink& sink, MetricsLog& metrics);

  // Reads `fd` until EOF (or stop), speaking as it goes, then waits until the sink has played
  // everything. On stop, drops queued text and buffered audio and returns kCancelled promptly.
  // Errors: kUnavailable when the sink fails (the sentences spoken so far stay in the metrics);
  // the pipeline does not log it, the caller reports it.
  Status run(int fd, std::stop_token stop = {});
  // Speaks `text` (markdown allowed) as if it were one text block.
  Status run_text(std::string_view text, std::stop_token stop = {});
  // Counts of the last run() / run_text(), valid once it returned.
  const RunReport& last_run() const { return last_run_; }

 private:
  class Run;
  PipelineOptions options_;
  Translator& translator_;
  const VoiceRouter& voices_;
  AudioSink& sink_;
  MetricsLog& metrics_;
  RunReport last_run_;
};

}  // namespace stream_tts
