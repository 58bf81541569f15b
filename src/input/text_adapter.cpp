// Plain text lines -> TextEvents: each line is a delta (with its '\n', so that the cleaner still
// sees line structure such as list items and code fences); a blank line ends the block, the way a
// paragraph break ends a thought.
#include <string>

#include "core/utf8.h"
#include "input/adapters.h"
#include "input/event_writer.h"
#include "input/json_line.h"

namespace stream_tts::input {
namespace {

class TextAdapter final : public InputAdapter {
 public:
  void on_line(std::string_view line, uint64_t line_no, double t_ms,
               std::vector<TextEvent>* out) override {
    w_.target(out);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (is_blank(line)) {
      w_.block_end(t_ms);
      return;
    }
    if (utf8::is_valid(line)) {
      text_.assign(line);
    } else {
      diag_.repaired(line_no);
      text_ = utf8::sanitize(line);
    }
    text_.push_back('\n');
    w_.delta(text_, t_ms);
  }

  void on_end(double t_ms, std::vector<TextEvent>* out) override {
    w_.target(out);
    w_.session_end(t_ms);
  }

  InputFormat format() const override { return InputFormat::kText; }

 private:
  EventWriter w_;
  LineDiagnostics diag_{"text"};
  std::string text_;  // reused: the line plus '\n'
};

}  // namespace

std::unique_ptr<InputAdapter> make_text_adapter(const InputOptions& /*options*/) {
  return std::make_unique<TextAdapter>();
}

}  // namespace stream_tts::input
