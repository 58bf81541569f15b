// The cleaner's writer: every byte the cleaner produces goes through here, so that space collapsing,
// hard breaks and table-cell commas follow one set of rules whichever construct produced the text.
#pragma once

#include <string>
#include <string_view>

namespace stream_tts::text {

class SpeechOutput {
 public:
  // Where output goes until the next bind (the caller's string for the current push).
  void bind(std::string* out) { out_ = out; }

  // Visible text without '\n'. Whitespace inside `t` is the caller's business (use space()).
  void text(std::string_view t);
  // A word gap. Written at once (a sentence end followed by a space must reach the segmenter without
  // waiting for the next word), unless it would lead a line or double a space.
  void space();
  // A soft line break inside a paragraph: a space, but only once more text follows on the next
  // line (a line holding only a dropped tag must not leave " \n" behind).
  void soft_space() { soft_space_ = true; }
  // '\n' if anything was written since the last one: never a leading or doubled hard break.
  void hard_break();

  // Spaces are held until more text follows (headings: a closing "##" or emoji must not leave a
  // trailing space; the heading ends at its newline anyway, so holding costs no latency).
  void hold_spaces(bool hold) {
    hold_spaces_ = hold;
    held_space_ = false;
  }

  // Table rows: spaces are held so that a cell separator can become ", " without a stray space
  // before the comma, and empty cells vanish.
  void begin_row();
  void cell_separator();
  void end_row();

  bool wrote_since_break() const { return wrote_since_break_; }
  void reset();

 private:
  std::string* out_ = nullptr;
  bool wrote_since_break_ = false;
  bool last_was_space_ = false;
  bool soft_space_ = false;
  bool hold_spaces_ = false;
  bool in_row_ = false;
  bool row_has_text_ = false;
  bool held_space_ = false;
  bool row_separator_ = false;
};

}  // namespace stream_tts::text
