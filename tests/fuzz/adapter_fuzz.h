// Shared by the three input-adapter targets (claude, jsonl, text): drive an adapter the way the
// engine does (LineReader's lines, then on_end), check the event rules of input_adapter.h, and
// compare it with the auto-detecting adapter.
//
// Input: [option byte][the stream's bytes]. Option bits: 0 announce_tools; 1-2 the JSONL field path.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/utf8.h"
#include "fuzz_support.h"
#include "input/input_adapter.h"

namespace stream_tts::fuzz {

struct Line {
  std::string_view text;
  uint64_t line_no;
};

// Lines as LineReader hands them out: split at '\n', a '\r' before it dropped, a last line without
// '\n' kept (no length limit here: the line_reader target covers that).
inline std::vector<Line> lines_of(std::string_view s) {
  std::vector<Line> lines;
  uint64_t no = 0;
  while (!s.empty()) {
    const size_t nl = s.find('\n');
    std::string_view line = s.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back({line, ++no});
    if (nl == std::string_view::npos) break;
    s.remove_prefix(nl + 1);
  }
  return lines;
}

inline InputOptions options_from(uint8_t bits, InputFormat format) {
  static constexpr std::string_view kPaths[] = {"text", "message.text", "choices.0.delta.content", ""};
  InputOptions o;
  o.format = format;
  o.announce_tools = (bits & 1) != 0;
  o.field_path = std::string(kPaths[(bits >> 1) & 3]);
  return o;
}

inline std::vector<TextEvent> run_adapter(InputAdapter& adapter, const std::vector<Line>& lines,
                                          bool strip_bom) {
  static constexpr std::string_view kBom = "\xEF\xBB\xBF";
  std::vector<TextEvent> events;
  for (const Line& l : lines) {
    std::string_view text = l.text;
    if (strip_bom && l.line_no == 1 && text.substr(0, 3) == kBom) text.remove_prefix(3);
    // The time is only carried through; the line number makes a wrong pairing visible.
    adapter.on_line(text, l.line_no, static_cast<double>(l.line_no), &events);
  }
  adapter.on_end(1e9, &events);
  return events;
}

// The rules every adapter obeys (input_adapter.h, event_writer.h).
inline void check_event_rules(const std::vector<TextEvent>& events, bool messages_allowed) {
  bool block_open = false;
  const TextEvent* previous = nullptr;
  for (const TextEvent& e : events) {
    switch (e.kind) {
      case TextEventKind::kDelta:
        check(!e.text.empty(), "no empty kDelta");
        check(utf8::is_valid(e.text), "kDelta text is valid UTF-8", "", e.text);
        block_open = true;
        break;
      case TextEventKind::kBlockEnd:
        check(block_open, "kBlockEnd only after text");
        block_open = false;
        break;
      case TextEventKind::kMessageEnd:
        check(messages_allowed, "kMessageEnd only from the Claude adapter");
        check(!block_open, "kMessageEnd closes the open block first");
        break;
      case TextEventKind::kSessionEnd:
        check(!block_open, "kSessionEnd closes the open block first");
        check(previous == nullptr || previous->kind != TextEventKind::kSessionEnd,
              "kSessionEnd is not repeated");
        break;
    }
    check(e.kind == TextEventKind::kDelta || e.text.empty(), "only kDelta carries text");
    previous = &e;
  }
  check(!events.empty() && events.back().kind == TextEventKind::kSessionEnd, "kSessionEnd comes last");
}

inline std::string render(const std::vector<TextEvent>& events) {
  std::string out;
  for (const TextEvent& e : events) {
    static constexpr const char* kNames[] = {"delta", "block_end", "message_end", "session_end"};
    out += kNames[static_cast<int>(e.kind)];
    out += '@' + std::to_string(static_cast<long long>(e.t_ms));
    if (!e.text.empty()) out += ":" + e.text;
    out += '\n';
  }
  return out;
}

// Runs the adapter for `format`, checks the rules, and checks that the auto-detecting adapter gives
// the same events whenever it detects this format (it replays the lines it held back while
// deciding; a BOM on the first line is its only other difference). Returns the events.
inline std::vector<TextEvent> check_adapter(const uint8_t* data, size_t size, InputFormat format) {
  Params params(data, size, 1);
  const uint8_t bits = params.byte();
  const std::vector<Line> lines = lines_of(params.payload());

  const std::unique_ptr<InputAdapter> direct = make_input_adapter(options_from(bits, format));
  check(direct->format() == format, "the adapter reports its format");
  const std::vector<TextEvent> events = run_adapter(*direct, lines, /*strip_bom=*/true);
  check_event_rules(events, format == InputFormat::kClaude);

  const std::unique_ptr<InputAdapter> detecting = make_input_adapter(options_from(bits, InputFormat::kAuto));
  const std::vector<TextEvent> detected = run_adapter(*detecting, lines, /*strip_bom=*/false);
  check(detecting->format() != InputFormat::kAuto, "the auto adapter decides by the end");
  if (detecting->format() == format) {
    const std::string want = render(events);
    const std::string got = render(detected);
    check(want == got, "auto-detected adapter gives the events of the direct one", want, got);
  }
  return events;
}

}  // namespace stream_tts::fuzz
