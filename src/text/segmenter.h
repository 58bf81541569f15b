// Cuts speakable text (the Cleaner's output) into sentences as soon as each end is certain.
// Pure: time is passed in by the caller. Not thread-safe; one Segmenter per text stream.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace stream_tts {

struct SegmenterOptions {
  // A sentence longer than this (bytes) is cut at the last clause boundary (",;:、，" or space),
  // never inside a UTF-8 character. 0: no limit.
  size_t max_bytes = 400;
  // Pending text with no new input for this long is emitted as a sentence (poll()). <= 0: never.
  double idle_flush_ms = 1200.0;
};

struct SegmentedSentence {
  std::string text;          // trimmed, never empty, never only punctuation
  // t_ms of the push that delivered its last character (the terminator, a closing quote after
  // it, or the '\n' that ended it; never the lookahead byte that confirmed the end), or the
  // flush()/poll() time for text that a flush rule let out.
  double complete_ms = 0.0;
};

class Segmenter {
 public:
  explicit Segmenter(SegmenterOptions options = {});
  ~Segmenter();
  Segmenter(Segmenter&&) noexcept;
  Segmenter& operator=(Segmenter&&) noexcept;

  // Appends text received at t_ms; appends every sentence whose end is now certain to *out.
  // '\n' in text is a hard break (see cleaner.h).
  void push(std::string_view text, double t_ms, std::vector<SegmentedSentence>* out);
  // Emits whatever is pending as a sentence (end of block / message / input).
  void flush(double t_ms, std::vector<SegmentedSentence>* out);
  // Idle rule: flushes if text is pending and nothing arrived for idle_flush_ms before now_ms.
  void poll(double now_ms, std::vector<SegmentedSentence>* out);
  bool has_pending() const;
  void reset();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Convenience for tests: push(all) + flush, returns the texts.
std::vector<std::string> split_sentences(std::string_view text, const SegmenterOptions& options = {});

}  // namespace stream_tts
