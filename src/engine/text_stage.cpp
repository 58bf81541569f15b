#include "engine/text_stage.h"

#include "core/log.h"

namespace stream_tts {
namespace {

bool is_control(char c) {
  const auto b = static_cast<unsigned char>(c);
  return (b < 0x20 && c != '\t' && c != '\n') || b == 0x7f;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

TextStage::TextStage(const CleanerOptions& cleaner, const SegmenterOptions& segmenter)
    : cleaner_(cleaner), segmenter_(segmenter), idle_flush_ms_(segmenter.idle_flush_ms) {}

std::string_view TextStage::without_controls(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && !is_control(text[i])) ++i;
  if (i == text.size()) return text;  // the usual case: no copy
  // '\r' too (a "\r\n" inside a text block is ordinary, so it alone is not worth a warning).
  sanitized_.assign(text);
  bool unusual = false;
  for (size_t j = i; j < sanitized_.size(); ++j) {
    if (!is_control(sanitized_[j])) continue;
    unusual = unusual || sanitized_[j] != '\r';
    sanitized_[j] = ' ';
  }
  if (unusual && !warned_controls_) {
    warned_controls_ = true;
    log::warn("the text holds control characters (NUL or others); they are read as spaces (reported once)");
  }
  return sanitized_;
}

void TextStage::on_event(const TextEvent& event, std::vector<SegmentedSentence>* out) {
  scratch_.clear();
  switch (event.kind) {
    case TextEventKind::kDelta: {
      const std::string_view text = without_controls(event.text);
      if (text.empty()) return;
      cleaner_.push(text, &scratch_);
      segmenter_.push(scratch_, event.t_ms, out);
      last_delta_ms_ = event.t_ms;
      word_open_ = !is_space(text.back());
      return;
    }
    case TextEventKind::kBlockEnd:
    case TextEventKind::kMessageEnd:
    case TextEventKind::kSessionEnd:
      cleaner_.end_block(&scratch_);
      segmenter_.push(scratch_, event.t_ms, out);
      segmenter_.flush(event.t_ms, out);
      word_open_ = false;
      return;
  }
}

void TextStage::poll(double now_ms, std::vector<SegmentedSentence>* out) {
  if (word_open_ && idle_flush_ms_ > 0.0 && now_ms - last_delta_ms_ >= idle_flush_ms_) {
    // A space ends the held word as the next delta would have. Pushed with the time of the last
    // real input, so the Segmenter's idle rule below still sees the stream as idle. A word that
    // does go on after the pause is then said in two parts, as a sentence cut by the idle rule is.
    word_open_ = false;
    scratch_.clear();
    cleaner_.push(" ", &scratch_);
    segmenter_.push(scratch_, last_delta_ms_, out);
  }
  segmenter_.poll(now_ms, out);
}

void TextStage::reset() {
  cleaner_.reset();
  segmenter_.reset();
  word_open_ = false;
}

}  // namespace stream_tts
