// The values that flow through the pipeline (DESIGN.md, "Data flow"):
//   bytes -> TextEvent -> (cleaner, segmenter) -> Sentence -> translator -> Utterance -> AudioChunk.
// All times are milliseconds on the process's steady clock (core/clock.h, now_ms()).
#pragma once

#include <cstdint>
#include <string>

namespace stream_tts {

enum class TextEventKind {
  kDelta,       // more text of the current block
  kBlockEnd,    // the current text block ended: flush any partial sentence
  kMessageEnd,  // the assistant message ended
  kSessionEnd,  // the input stream ended (EOF) or the assistant finished the session
};

struct TextEvent {
  TextEventKind kind = TextEventKind::kDelta;
  std::string text;    // UTF-8, valid; only for kDelta
  double t_ms = 0.0;   // when the bytes carrying it were read
};

// Stage timestamps of one sentence; 0 = not reached (yet).
struct SentenceTimes {
  double complete_ms = 0.0;     // the input delivered the last character (or a flush rule fired)
  double segmented_ms = 0.0;    // the segmenter emitted it
  double translated_ms = 0.0;   // the translator returned
  double first_chunk_ms = 0.0;  // the synthesizer produced its first audio chunk
  double first_sample_ms = 0.0; // the first sample was handed to the audio sink
  double done_ms = 0.0;         // the last sample was handed to the sink
};

struct Sentence {
  uint64_t id = 0;    // 0, 1, 2 ... in input order
  std::string text;   // cleaned, speakable text, one sentence
  SentenceTimes times;
};

// What a synthesizer is asked to say.
struct Utterance {
  uint64_t sentence_id = 0;
  std::string source;  // the sentence before translation
  std::string text;    // what is spoken (translated or not)
  std::string lang;    // BCP-47-ish: "ja", "en"
  SentenceTimes times;
};

}  // namespace stream_tts
