// Generic JSONL -> TextEvents: one JSON value per line; the string found at the dotted field path
// ("text", "message.text", "choices.0.delta.content") is a delta. Every value is a delta and no
// line ends a block: token streams (one token per line) must join into sentences, and the
// segmenter's own flush rules (idle time, length) and the end of the stream close the last one.
// Lines without the field, or where it is null or not a string, are skipped quietly (streaming
// APIs end with such lines, e.g. a final chunk whose content is null).
#include <charconv>
#include <string>
#include <vector>

#include "core/log.h"
#include "input/adapters.h"
#include "input/event_writer.h"
#include "input/json_line.h"

namespace stream_tts::input {
namespace {

namespace dom = simdjson::dom;

struct PathStep {
  std::string key;
  bool numeric = false;  // also usable as an array index
  size_t index = 0;
};

std::vector<PathStep> parse_path(std::string_view path) {
  std::vector<PathStep> steps;
  if (path.empty()) return steps;  // empty path: the line itself is the string
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    const std::string_view part =
        path.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    PathStep step;
    step.key = std::string(part);
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), step.index);
    step.numeric = !part.empty() && ec == std::errc() && end == part.data() + part.size();
    steps.push_back(std::move(step));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return steps;
}

class JsonlAdapter final : public InputAdapter {
 public:
  explicit JsonlAdapter(const InputOptions& options)
      : path_text_(options.field_path), path_(parse_path(options.field_path)) {}

  void on_line(std::string_view line, uint64_t line_no, double t_ms,
               std::vector<TextEvent>* out) override {
    w_.target(out);
    if (is_blank(line)) return;
    dom::element value;
    bool repaired = false;
    if (const auto err = parser_.parse(line, &value, &repaired); err) {
      diag_.malformed(line_no, simdjson::error_message(err));
      return;
    }
    if (repaired) diag_.repaired(line_no);

    for (const PathStep& step : path_) {
      dom::element next;
      bool found = false;
      if (value.is_object()) {
        found = !value.get_object().at_key(step.key).get(next);
      } else if (value.is_array() && step.numeric) {
        found = !value.get_array().at(step.index).get(next);
      }
      if (!found) {
        log::debug("jsonl input, line {}: no field \"{}\"; skipped", line_no, path_text_);
        return;
      }
      value = next;
    }
    std::string_view text;
    if (value.get_string().get(text)) {
      log::debug("jsonl input, line {}: field \"{}\" is not a string; skipped", line_no,
                 path_text_);
      return;
    }
    w_.delta(text, t_ms);  // an empty value adds nothing
  }

  void on_end(double t_ms, std::vector<TextEvent>* out) override {
    w_.target(out);
    w_.session_end(t_ms);
  }

  InputFormat format() const override { return InputFormat::kJsonl; }

 private:
  std::string path_text_;
  std::vector<PathStep> path_;
  JsonLineParser parser_;
  LineDiagnostics diag_{"jsonl"};
  EventWriter w_;
};

}  // namespace

std::unique_ptr<InputAdapter> make_jsonl_adapter(const InputOptions& options) {
  return std::make_unique<JsonlAdapter>(options);
}

}  // namespace stream_tts::input
