// Appends TextEvents while keeping the boundary events well-formed, so that every adapter
// obeys the same rules:
//   - no empty kDelta;
//   - kBlockEnd only after text (a second block end in a row says nothing new);
//   - kMessageEnd closes the open block first, once per opened message;
//   - kSessionEnd closes everything first and is not repeated unless something followed it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "stream_tts/types.h"

namespace stream_tts::input {

class EventWriter {
 public:
  explicit EventWriter(std::vector<TextEvent>* out = nullptr) : out_(out) {}
  // The adapters receive the output vector per call; point the writer at it first.
  void target(std::vector<TextEvent>* out) { out_ = out; }

  void delta(std::string_view text, double t_ms) {
    if (text.empty()) return;
    out_->push_back({TextEventKind::kDelta, std::string(text), t_ms});
    block_open_ = true;
    session_ended_ = false;
  }
  void block_end(double t_ms) {
    if (!block_open_) return;
    out_->push_back({TextEventKind::kBlockEnd, {}, t_ms});
    block_open_ = false;
  }
  // A message began: its end will be reported even if it held no spoken text.
  void open_message() {
    message_open_ = true;
    session_ended_ = false;
  }
  void message_end(double t_ms) {
    block_end(t_ms);
    if (!message_open_) return;
    out_->push_back({TextEventKind::kMessageEnd, {}, t_ms});
    message_open_ = false;
  }
  void session_end(double t_ms) {
    message_end(t_ms);
    if (session_ended_) return;
    out_->push_back({TextEventKind::kSessionEnd, {}, t_ms});
    session_ended_ = true;
  }
  bool block_open() const { return block_open_; }
  bool message_open() const { return message_open_; }

 private:
  std::vector<TextEvent>* out_;
  bool block_open_ = false;
  bool message_open_ = false;
  bool session_ended_ = false;
};

}  // namespace stream_tts::input
