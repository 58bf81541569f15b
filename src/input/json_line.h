// Parsing one JSON line with simdjson, shared by the Claude, JSONL and auto adapters.
// Internal to st_input (simdjson is a PRIVATE dependency); nothing outside src/input includes it.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace stream_tts::input {

// Reuses one DOM parser and one padded buffer across lines: after the first few lines a parse
// allocates nothing. The element returned by parse() lives until the next parse() call.
class JsonLineParser {
 public:
  // Parses `line`. Bytes that are not UTF-8 and escaped lone surrogates ("\ud83d" without its
  // pair, which a producer may emit when a delta splits an emoji) make simdjson reject the whole
  // document; the line is then repaired (U+FFFD replaces them) and parsed again, and *repaired is
  // set. Any other failure is returned as is.
  simdjson::error_code parse(std::string_view line, simdjson::dom::element* out, bool* repaired);

 private:
  simdjson::error_code parse_buffer(std::string_view text, simdjson::dom::element* out);

  simdjson::dom::parser parser_;
  std::string buffer_;  // line copy followed by at least SIMDJSON_PADDING readable bytes
  std::string repair_;  // scratch for the repaired line
};

// Replaces every escaped surrogate that is not part of a valid pair ("\ud800".."\udfff") with
// "\ufffd" in place (same length). Returns true if anything changed.
bool repair_lone_surrogates(std::string* json);

// Reports bad lines. A malformed line gives one warning naming its line number, up to a cap so
// that a stream of garbage cannot flood the log (later ones go to debug). Repaired text (invalid
// UTF-8 replaced) warns once per stream: a Latin-1 file would otherwise warn on every line.
class LineDiagnostics {
 public:
  explicit LineDiagnostics(const char* adapter_name) : adapter_name_(adapter_name) {}
  void malformed(uint64_t line_no, std::string_view reason);
  void repaired(uint64_t line_no);
  uint64_t malformed_count() const { return malformed_; }

  static constexpr uint64_t kMaxWarnings = 20;

 private:
  const char* adapter_name_;
  uint64_t malformed_ = 0;
  uint64_t repaired_ = 0;
};

// Field access that never throws: missing keys and wrong types read as "absent".
bool get_string(simdjson::dom::element parent, std::string_view key, std::string_view* out);
bool get_object(simdjson::dom::element parent, std::string_view key, simdjson::dom::element* out);
bool get_uint(simdjson::dom::element parent, std::string_view key, uint64_t* out);
// True if `key` is present and not null.
bool has_non_null(simdjson::dom::element parent, std::string_view key);

// True if the line holds only spaces, tabs and '\r'.
bool is_blank(std::string_view line);

}  // namespace stream_tts::input
