// Minimal JSON object writer for JSONL outputs (metrics, reports). Escapes per RFC 8259.
#pragma once

#include <string>
#include <string_view>

namespace stream_tts {

// Appends `s` as a JSON string literal (with quotes). Invalid UTF-8 must be sanitised first.
void append_json_string(std::string* out, std::string_view s);

// Builds one flat JSON object: JsonObject().add("id", 3).add("text", "x").str() -> {"id":3,"text":"x"}
class JsonObject {
 public:
  JsonObject& add(std::string_view key, std::string_view value);
  JsonObject& add(std::string_view key, const char* value) { return add(key, std::string_view(value)); }
  JsonObject& add(std::string_view key, double value);
  JsonObject& add(std::string_view key, long long value);
  JsonObject& add(std::string_view key, unsigned long long value);
  JsonObject& add(std::string_view key, int value) { return add(key, static_cast<long long>(value)); }
  JsonObject& add(std::string_view key, bool value);
  // `json` is inserted verbatim (a nested object or array built elsewhere).
  JsonObject& add_raw(std::string_view key, std::string_view json);
  std::string str() const { return body_ + "}"; }

 private:
  void key(std::string_view k);
  std::string body_ = "{";
};

}  // namespace stream_tts
