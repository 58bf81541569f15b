#include "input/json_line.h"

#include <cstring>

#include "core/log.h"
#include "core/utf8.h"

namespace stream_tts::input {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads the 4 hex digits of a "\uXXXX" escape starting at json[pos] (the backslash); -1 if
// there is no such escape there.
int32_t read_u_escape(const std::string& json, size_t pos) {
  if (pos + 6 > json.size() || json[pos] != '\\' || json[pos + 1] != 'u') return -1;
  int32_t v = 0;
  for (size_t i = pos + 2; i < pos + 6; ++i) {
    const int h = hex_value(json[i]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

}  // namespace

bool repair_lone_surrogates(std::string* json) {
  bool changed = false;
  std::string& s = *json;
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    if (s[i] != '\\') continue;
    // Every backslash in valid JSON starts an escape, so skipping the escaped character keeps
    // "\\u1234" (an escaped backslash followed by text) from being read as an escape.
    const int32_t cp = read_u_escape(s, i);
    if (cp < 0) {
      ++i;
      continue;
    }
    const bool high = cp >= 0xD800 && cp <= 0xDBFF;
    const bool low = cp >= 0xDC00 && cp <= 0xDFFF;
    if (high) {
      const int32_t next = read_u_escape(s, i + 6);
      if (next >= 0xDC00 && next <= 0xDFFF) {
        i += 11;  // a valid pair: skip both escapes
        continue;
      }
    }
    if (high || low) {
      std::memcpy(&s[i + 2], "fffd", 4);
      changed = true;
    }
    i += 5;
  }
  return changed;
}

simdjson::error_code JsonLineParser::parse_buffer(std::string_view text,
                                                  simdjson::dom::element* out) {
  // simdjson reads up to SIMDJSON_PADDING bytes past the end; a reused buffer avoids the copy
  // into a fresh padded_string (an allocation per line) that parse(std::string_view) would make.
  const size_t need = text.size() + simdjson::SIMDJSON_PADDING;
  if (buffer_.size() < need) buffer_.resize(need);
  if (!text.empty()) std::memcpy(buffer_.data(), text.data(), text.size());
  return parser_.parse(buffer_.data(), text.size(), false).get(*out);
}

simdjson::error_code JsonLineParser::parse(std::string_view line, simdjson::dom::element* out,
                                           bool* repaired) {
  *repaired = false;
  simdjson::error_code err = parse_buffer(line, out);
  if (err != simdjson::UTF8_ERROR && err != simdjson::STRING_ERROR) return err;

  // Invalid bytes are all >= 0x80, so replacing them cannot change the JSON structure.
  repair_ = utf8::sanitize(line);
  bool changed = repair_.size() != line.size() || repair_ != line;
  changed = repair_lone_surrogates(&repair_) || changed;
  if (!changed) return err;
  *repaired = true;
  return parse_buffer(repair_, out);
}

void LineDiagnostics::malformed(uint64_t line_no, std::string_view reason) {
  ++malformed_;
  if (malformed_ <= kMaxWarnings) {
    log::warn("{} input, line {}: malformed JSON ({}); line skipped", adapter_name_, line_no,
              reason);
    if (malformed_ == kMaxWarnings) {
      log::warn("{} input: {} malformed lines; further ones are reported at debug level",
                adapter_name_, kMaxWarnings);
    }
  } else {
    log::debug("{} input, line {}: malformed JSON ({}); line skipped", adapter_name_, line_no,
               reason);
  }
}

void LineDiagnostics::repaired(uint64_t line_no) {
  if (repaired_++ == 0) {
    log::warn("{} input, line {}: invalid UTF-8 replaced with U+FFFD (reported once)",
              adapter_name_, line_no);
  } else {
    log::debug("{} input, line {}: invalid UTF-8 replaced with U+FFFD", adapter_name_, line_no);
  }
}

bool get_string(simdjson::dom::element parent, std::string_view key, std::string_view* out) {
  simdjson::dom::object obj;
  if (parent.get_object().get(obj)) return false;
  return !obj.at_key(key).get_string().get(*out);
}

bool get_object(simdjson::dom::element parent, std::string_view key, simdjson::dom::element* out) {
  simdjson::dom::object obj;
  if (parent.get_object().get(obj)) return false;
  simdjson::dom::element value;
  if (obj.at_key(key).get(value)) return false;
  if (!value.is_object()) return false;
  *out = value;
  return true;
}

bool get_uint(simdjson::dom::element parent, std::string_view key, uint64_t* out) {
  simdjson::dom::object obj;
  if (parent.get_object().get(obj)) return false;
  return !obj.at_key(key).get_uint64().get(*out);
}

bool has_non_null(simdjson::dom::element parent, std::string_view key) {
  simdjson::dom::object obj;
  if (parent.get_object().get(obj)) return false;
  simdjson::dom::element value;
  if (obj.at_key(key).get(value)) return false;
  return !value.is_null();
}

bool is_blank(std::string_view line) {
  for (char c : line) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

}  // namespace stream_tts::input
