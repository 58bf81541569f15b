// Helpers shared by the input tests: capturing warnings, feeding lines, rendering events in the
// golden-file notation of tests/fixtures/claude/generate.py.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/log.h"
#include "input/input_adapter.h"

namespace stream_tts::test {

// Collects warnings (and worse) while alive; restores the default sink afterwards.
class LogCapture {
 public:
  LogCapture() {
    log::set_sink([this](log::Level level, std::string_view message) {
      if (level >= log::Level::kWarn) warnings.emplace_back(message);
    });
  }
  ~LogCapture() { log::set_sink(nullptr); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  std::vector<std::string> warnings;
};

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string fixture_path(const std::string& relative) {
  return std::string(STREAM_TTS_FIXTURES_DIR) + "/" + relative;
}

// JSON-style escaping with non-ASCII kept as is (Python's json.dumps(..., ensure_ascii=False)).
inline std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(ch);
        }
    }
  }
  return out + "\"";
}

// Renders events as:  T "<joined deltas>" | /block | /message | /session | ! line N
class Renderer {
 public:
  void add(const TextEvent& e) {
    if (e.kind == TextEventKind::kDelta) {
      text_ += e.text;
      has_text_ = true;
      return;
    }
    flush_text();
    switch (e.kind) {
      case TextEventKind::kBlockEnd:
        lines_.push_back("/block");
        break;
      case TextEventKind::kMessageEnd:
        lines_.push_back("/message");
        break;
      case TextEventKind::kSessionEnd:
        lines_.push_back("/session");
        break;
      case TextEventKind::kDelta:
        break;
    }
  }
  void add(const std::vector<TextEvent>& events) {
    for (const TextEvent& e : events) add(e);
  }
  void warning(const std::string& message) {
    flush_text();
    static const std::regex kLine("line ([0-9]+)");
    std::smatch m;
    lines_.push_back(std::regex_search(message, m, kLine) ? "! line " + m[1].str()
                                                          : "! " + message);
  }
  std::string str() {
    flush_text();
    std::string out;
    for (const std::string& l : lines_) out += l + "\n";
    return out;
  }

 private:
  void flush_text() {
    if (!has_text_) return;
    lines_.push_back("T " + quote(text_));
    text_.clear();
    has_text_ = false;
  }
  std::vector<std::string> lines_;
  std::string text_;
  bool has_text_ = false;
};

// Splits bytes into lines the way LineReader does ('\n', "\r\n", a last line without '\n').
inline std::vector<std::string> split_lines(const std::string& bytes) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < bytes.size()) {
    size_t nl = bytes.find('\n', start);
    std::string line =
        bytes.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return lines;
}

// Feeds lines (numbered from 1) and on_end; returns the rendering with warnings in place.
inline std::string run_lines(InputAdapter* adapter, const std::vector<std::string>& lines) {
  LogCapture capture;
  Renderer r;
  std::vector<TextEvent> events;
  size_t seen_warnings = 0;
  auto drain = [&] {
    for (; seen_warnings < capture.warnings.size(); ++seen_warnings) {
      r.warning(capture.warnings[seen_warnings]);
    }
    r.add(events);
    events.clear();
  };
  for (size_t i = 0; i < lines.size(); ++i) {
    adapter->on_line(lines[i], i + 1, static_cast<double>(i), &events);
    drain();
  }
  adapter->on_end(static_cast<double>(lines.size()), &events);
  drain();
  return r.str();
}

inline std::string run_lines(const InputOptions& options, const std::vector<std::string>& lines) {
  auto adapter = make_input_adapter(options);
  return run_lines(adapter.get(), lines);
}

// All events of a run, without rendering.
inline std::vector<TextEvent> collect(InputAdapter* adapter, const std::vector<std::string>& lines,
                                      bool end = true) {
  std::vector<TextEvent> events;
  for (size_t i = 0; i < lines.size(); ++i) {
    adapter->on_line(lines[i], i + 1, static_cast<double>(i), &events);
  }
  if (end) adapter->on_end(static_cast<double>(lines.size()), &events);
  return events;
}

// The concatenated text of all deltas.
inline std::string spoken_text(const std::vector<TextEvent>& events) {
  std::string s;
  for (const TextEvent& e : events) {
    if (e.kind == TextEventKind::kDelta) s += e.text;
  }
  return s;
}

// "D B M S": the kinds in order, deltas collapsed to one D per run.
inline std::string kinds(const std::vector<TextEvent>& events) {
  std::string s;
  char last = 0;
  for (const TextEvent& e : events) {
    char c = 'D';
    switch (e.kind) {
      case TextEventKind::kDelta:
        c = 'D';
        break;
      case TextEventKind::kBlockEnd:
        c = 'B';
        break;
      case TextEventKind::kMessageEnd:
        c = 'M';
        break;
      case TextEventKind::kSessionEnd:
        c = 'S';
        break;
    }
    if (c == 'D' && last == 'D') continue;
    if (!s.empty()) s += ' ';
    s += c;
    last = c;
  }
  return s;
}

inline size_t count_kind(const std::vector<TextEvent>& events, TextEventKind kind) {
  size_t n = 0;
  for (const TextEvent& e : events) n += e.kind == kind ? 1 : 0;
  return n;
}

}  // namespace stream_tts::test
