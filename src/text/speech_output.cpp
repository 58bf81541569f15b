#include "text/speech_output.h"

namespace stream_tts::text {

void SpeechOutput::text(std::string_view t) {
  if (t.empty()) return;
  if (in_row_) {
    if (row_has_text_ && row_separator_) {
      out_->append(", ");
    } else if (row_has_text_ && held_space_) {
      out_->push_back(' ');
    }
    row_separator_ = held_space_ = false;
    row_has_text_ = true;
  } else if (hold_spaces_) {
    if (held_space_ && wrote_since_break_) out_->push_back(' ');
    held_space_ = false;
  } else if (soft_space_ && wrote_since_break_ && !last_was_space_) {
    out_->push_back(' ');
  }
  soft_space_ = false;
  out_->append(t);
  wrote_since_break_ = true;
  last_was_space_ = false;
}

void SpeechOutput::space() {
  if (in_row_ || hold_spaces_) {
    held_space_ = true;
    return;
  }
  soft_space_ = false;
  if (!wrote_since_break_ || last_was_space_) return;
  out_->push_back(' ');
  last_was_space_ = true;
}

void SpeechOutput::hard_break() {
  held_space_ = row_separator_ = soft_space_ = false;
  if (!wrote_since_break_) return;
  out_->push_back('\n');
  wrote_since_break_ = false;
  last_was_space_ = false;
}

void SpeechOutput::begin_row() {
  in_row_ = true;
  row_has_text_ = held_space_ = row_separator_ = false;
}

void SpeechOutput::cell_separator() {
  if (in_row_) row_separator_ = true;
}

void SpeechOutput::end_row() {
  in_row_ = false;
  row_has_text_ = held_space_ = row_separator_ = false;
}

void SpeechOutput::reset() {
  wrote_since_break_ = last_was_space_ = soft_space_ = hold_spaces_ = false;
  end_row();
}

}  // namespace stream_tts::text
