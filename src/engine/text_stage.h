// TextEvents -> sentences: runs the Cleaner and the Segmenter over one text stream and applies the
// flush rules (block end, message end, session end, idle time).
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
  Cleaner cleaner_;
  Segmenter segmenter_;
  std::string scratch_;
};

}  // namespace stream_tts
