// Format names, the adapter factory, and kAuto: detection from the first non-blank line.
//
// Detection: a JSON object whose "type" is one Claude Code writes -> claude; any other JSON object
// or array -> jsonl; anything else -> text. A line that starts like JSON but does not parse (a
// truncated first line) or holds binary noise (control bytes) decides nothing: the next lines are
// looked at, up to kMaxUndecided lines, after which the stream is taken as text. Every line seen
// before the decision is kept and replayed into the chosen adapter, so nothing is lost.
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "input/adapters.h"
#include "input/json_line.h"

namespace stream_tts {
namespace input {
namespace {

namespace dom = simdjson::dom;

constexpr size_t kMaxUndecided = 32;
constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// Top-level types of Claude Code's stream-json (SDK message types); see docs/input-formats.md.
constexpr std::array<std::string_view, 6> kClaudeTypes = {
    "system", "assistant", "user", "stream_event", "result", "rate_limit_event"};

// True for a line holding a byte that no text line does: NUL or another C0 control other than tab,
// form feed, carriage return and escape (terminal colours). Random bytes or a binary prefix in
// front of a JSON stream must not decide "text", which would read every JSON line aloud.
bool looks_binary(std::string_view line) {
  for (const char ch : line) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 && c != '\t' && c != '\f' && c != '\r' && c != 0x1b) return true;
  }
  return false;
}

// kAuto while the line cannot decide.
InputFormat detect_line(std::string_view line, JsonLineParser* parser) {
  if (looks_binary(line)) return InputFormat::kAuto;
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  if (line.empty() || (line.front() != '{' && line.front() != '[')) return InputFormat::kText;
  dom::element root;
  bool repaired = false;
  if (parser->parse(line, &root, &repaired)) return InputFormat::kAuto;
  std::string_view type;
  if (get_string(root, "type", &type)) {
    for (std::string_view t : kClaudeTypes) {
      if (type == t) return InputFormat::kClaude;
    }
  }
  return InputFormat::kJsonl;
}

class AutoAdapter final : public InputAdapter {
 public:
  explicit AutoAdapter(const InputOptions& options) : options_(options) {}

  void on_line(std::string_view line, uint64_t line_no, double t_ms,
               std::vector<TextEvent>* out) override {
    if (line_no <= 1 && line.substr(0, kUtf8Bom.size()) == kUtf8Bom) {
      line.remove_prefix(kUtf8Bom.size());  // a BOM would make the first JSON line malformed
    }
    if (inner_) {
      inner_->on_line(line, line_no, t_ms, out);
      return;
    }
    pending_.push_back({std::string(line), line_no, t_ms});
    if (is_blank(line)) return;
    InputFormat format = detect_line(line, &parser_);
    if (format == InputFormat::kAuto) {
      if (++undecided_ < kMaxUndecided) return;
      format = InputFormat::kText;
    }
    decide(format, out);
  }

  void on_end(double t_ms, std::vector<TextEvent>* out) override {
    if (!inner_) decide(InputFormat::kText, out);
    inner_->on_end(t_ms, out);
  }

  InputFormat format() const override { return inner_ ? inner_->format() : InputFormat::kAuto; }

 private:
  struct Pending {
    std::string text;
    uint64_t line_no;
    double t_ms;
  };

  void decide(InputFormat format, std::vector<TextEvent>* out) {
    InputOptions chosen = options_;
    chosen.format = format;
    inner_ = make_input_adapter(chosen);
    for (const Pending& p : pending_) inner_->on_line(p.text, p.line_no, p.t_ms, out);
    pending_.clear();
    pending_.shrink_to_fit();
  }

  InputOptions options_;
  JsonLineParser parser_;
  std::unique_ptr<InputAdapter> inner_;
  std::vector<Pending> pending_;
  size_t undecided_ = 0;
};

}  // namespace

std::unique_ptr<InputAdapter> make_auto_adapter(const InputOptions& options) {
  return std::make_unique<AutoAdapter>(options);
}

}  // namespace input

bool parse_input_format(std::string_view name, InputFormat* out) {
  for (InputFormat f :
       {InputFormat::kAuto, InputFormat::kClaude, InputFormat::kText, InputFormat::kJsonl}) {
    if (name == input_format_name(f)) {
      *out = f;
      return true;
    }
  }
  return false;
}

const char* input_format_name(InputFormat format) {
  switch (format) {
    case InputFormat::kAuto:
      return "auto";
    case InputFormat::kClaude:
      return "claude";
    case InputFormat::kText:
      return "text";
    case InputFormat::kJsonl:
      return "jsonl";
  }
  return "auto";
}

std::unique_ptr<InputAdapter> make_input_adapter(const InputOptions& options) {
  switch (options.format) {
    case InputFormat::kClaude:
      return input::make_claude_adapter(options);
    case InputFormat::kText:
      return input::make_text_adapter(options);
    case InputFormat::kJsonl:
      return input::make_jsonl_adapter(options);
    case InputFormat::kAuto:
      break;
  }
  return input::make_auto_adapter(options);
}

}  // namespace stream_tts
