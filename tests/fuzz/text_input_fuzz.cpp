// Plain text lines -> TextEvents (src/input/text_adapter.cpp). Beyond the event rules and the
// agreement with the auto-detecting adapter (adapter_fuzz.h), a model of the format: every
// non-blank line is one delta (invalid UTF-8 replaced, '\n' appended), a blank line ends the block.
#include "adapter_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace stream_tts;
  const std::vector<TextEvent> events = fuzz::check_adapter(data, size, InputFormat::kText);

  // A block end, as a line that sanitised text cannot hold.
  static constexpr std::string_view kEnd = "\xFF\n";
  std::string want;
  for (const fuzz::Line& l : fuzz::lines_of(fuzz::Params(data, size, 1).payload())) {
    std::string_view text = l.text;
    if (l.line_no == 1 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (text.find_first_not_of(" \t\r") == std::string_view::npos) {
      want += kEnd;
    } else {
      want += utf8::sanitize(text) + "\n";
    }
  }
  std::string got;
  for (const TextEvent& e : events) {
    if (e.kind == TextEventKind::kDelta) got += e.text;
    if (e.kind == TextEventKind::kBlockEnd) got += kEnd;
  }
  // Block ends collapse (only after text), so compare with repeated and leading ones removed.
  const auto squeeze = [](std::string s) {
    std::string out;
    size_t pos = 0;
    while (pos < s.size()) {
      const size_t nl = s.find('\n', pos);
      const std::string_view line = std::string_view(s).substr(pos, nl + 1 - pos);
      const bool is_end = line == kEnd;
      const bool last_was_end = out.empty() || out.ends_with(kEnd);
      if (!(is_end && last_was_end)) out += line;
      pos = nl + 1;
    }
    if (out.ends_with(kEnd)) out.resize(out.size() - 2);  // the end of the stream closes it anyway
    return out;
  };
  fuzz::check(squeeze(want) == squeeze(got), "text adapter: one delta per non-blank line", squeeze(want),
              squeeze(got));
  return 0;
}
