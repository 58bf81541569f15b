// Input adapters: complete lines of a byte stream -> TextEvents (DESIGN.md, "Input adapters";
// docs/input-formats.md says what each format relies on).
// Unknown message types and fields are skipped, never fatal; a malformed line produces one
// warning naming its line number and the stream goes on; invalid UTF-8 becomes U+FFFD.
// Not thread-safe; one adapter per stream.
//
// Event rules, the same for every adapter: no empty kDelta; kBlockEnd only after text;
// kMessageEnd (Claude only) once per assistant message, after its last block; kSessionEnd last,
// not repeated unless new text followed it (a Claude `result` line and then EOF give one).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "stream_tts/status.h"
#include "stream_tts/types.h"

namespace stream_tts {

enum class InputFormat { kAuto, kClaude, kText, kJsonl };

// "auto|claude|text|jsonl"; returns false on an unknown name.
bool parse_input_format(std::string_view name, InputFormat* out);
const char* input_format_name(InputFormat format);

struct InputOptions {
  InputFormat format = InputFormat::kAuto;
  // For kJsonl: dotted path of the string field to speak, e.g. "message.text".
  std::string field_path = "text";
  // Lines longer than this (bytes) are skipped with a warning.
  size_t max_line_bytes = size_t{16} << 20;
  // Claude: announce each tool call as its own short block ("Running Bash.") instead of staying
  // silent.
  bool announce_tools = false;
};

class InputAdapter {
 public:
  virtual ~InputAdapter() = default;
  // One complete line without its '\n' (may hold invalid UTF-8); line_no counts from 1.
  // Appends the events it causes to *out (never clears it); each carries t_ms.
  virtual void on_line(std::string_view line, uint64_t line_no, double t_ms,
                       std::vector<TextEvent>* out) = 0;
  // The stream ended: closes any open block/message and appends kSessionEnd.
  virtual void on_end(double t_ms, std::vector<TextEvent>* out) = 0;
  // Which format is in use ("auto" until the first non-blank line decided it).
  virtual InputFormat format() const = 0;
};

// kAuto detects the format from the first non-blank line: a JSON object with a "type" field that
// Claude Code emits (system/assistant/user/stream_event/result/rate_limit_event) -> claude; other
// JSON (object or array) -> jsonl; anything else -> text. A first line that starts like JSON but
// does not parse (truncated), or that holds control bytes (binary noise), defers the decision to
// the next lines. Lines seen before the decision are replayed into the chosen adapter, so none is
// lost.
std::unique_ptr<InputAdapter> make_input_adapter(const InputOptions& options);

// Splits a file descriptor's bytes into lines, enforcing max_line_bytes without buffering a huge
// line. Does not own the descriptor. A line ends at '\n'; a '\r' before it is dropped. A longer
// line is skipped with one warning naming its line number (it still counts in the numbering).
class LineReader {
 public:
  LineReader(int fd, size_t max_line_bytes);
  ~LineReader();

  struct Line {
    std::string text;
    uint64_t line_no = 0;
    double t_ms = 0.0;  // when its last byte was read
  };
  // Waits up to timeout_ms (-1: forever) for input and appends every complete line.
  // Returns kEndOfStream once the input is closed and all lines were delivered (a last line without
  // '\n' is delivered too, with kOk; the next call returns kEndOfStream, so lines never come with
  // kEndOfStream); kOk otherwise (possibly with no lines: timeout or EINTR); any other code is a
  // read error (kInvalidArgument: not an open descriptor, kUnavailable: poll/read failed).
  Status read(int timeout_ms, std::vector<Line>* out);
  uint64_t skipped_lines() const { return skipped_; }

 private:
  int fd_;
  size_t max_line_bytes_;
  std::string partial_;
  uint64_t line_no_ = 0;
  uint64_t skipped_ = 0;
  bool discarding_ = false;  // inside an over-long line: drop bytes until its '\n'
  bool eof_ = false;
};

}  // namespace stream_tts
