#include "engine/text_stage.h"

namespace stream_tts {

TextStage::TextStage(const CleanerOptions& cleaner, const SegmenterOptions& segmenter)
    : cleaner_(cleaner), segmenter_(segmenter) {}

void TextStage::on_event(const TextEvent& event, std::vector<SegmentedSentence>* out) {
  scratch_.clear();
  switch (event.kind) {
    case TextEventKind::kDelta:
      cleaner_.push(event.text, &scratch_);
      segmenter_.push(scratch_, event.t_ms, out);
      return;
    case TextEventKind::kBlockEnd:
    case TextEventKind::kMessageEnd:
    case TextEventKind::kSessionEnd:
      cleaner_.end_block(&scratch_);
      segmenter_.push(scratch_, event.t_ms, out);
      segmenter_.flush(event.t_ms, out);
      return;
  }
}

void TextStage::poll(double now_ms, std::vector<SegmentedSentence>* out) {
  segmenter_.poll(now_ms, out);
}

void TextStage::reset() {
  cleaner_.reset();
  segmenter_.reset();
}

}  // namespace stream_tts
