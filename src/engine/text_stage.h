// TextEvents -> sentences: runs the Cleaner and the Segmenter over one text stream and applies the
// flush rules (block end, message end, session end, idle time).
//
// Two guards for hostile text live here, in front of every input format and `say`:
//   - C0 control characters other than tab and newline (NUL above all, from a "\u0000" escape or a
//     raw byte in a text stream) become spaces: the synthesizers take C strings, and a NUL cut
//     "Hello\0 world, ..." down to "Hello". One warning per stream.
//   - The idle rule also releases the word the Cleaner holds back (it waits for a word's end to
//     know whether it is a URL or a path): a message that stops mid-line, for good, is spoken to
//     its last word, not to its last space.
#pragma once

#include <vector>

#include "stream_tts/types.h"
#include "text/cleaner.h"
#include "text/segmenter.h"

namespace stream_tts {

class TextStage {
 public:
  TextStage(const CleanerOptions& cleaner, const SegmenterOptions& segmenter);
  void on_event(const TextEvent& event, std::vector<SegmentedSentence>* out);
  // Idle flush; call when no input arrived for a while.
  void poll(double now_ms, std::vector<SegmentedSentence>* out);
  void reset();

 private:
  // `text` with control characters replaced, or `text` itself when it holds none.
  std::string_view without_controls(std::string_view text);

  Cleaner cleaner_;
  Segmenter segmenter_;
  double idle_flush_ms_;
  std::string scratch_;
  std::string sanitized_;
  double last_delta_ms_ = 0.0;
  bool word_open_ = false;        // the last byte given to the Cleaner was not white space
  bool warned_controls_ = false;  // the control-character warning was given
};

}  // namespace stream_tts
