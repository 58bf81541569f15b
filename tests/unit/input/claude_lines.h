// Builders for Claude Code stream-json lines, shaped like the real ones (docs/input-formats.md),
// trimmed to the fields that matter plus a few that must be ignored.
#pragma once

#include <string>
#include <string_view>

#include "input_test_support.h"

namespace stream_tts::test::claude {

inline std::string parent_field(std::string_view parent) {
  return parent.empty() ? "null" : quote(parent);
}

inline std::string system_init() {
  return R"({"type":"system","subtype":"init","cwd":"/tmp/p","session_id":"s1","tools":["Bash","Read"],)"
         R"("mcp_servers":[],"model":"claude-sonnet-4-5","permissionMode":"default","uuid":"u0"})";
}

inline std::string stream(const std::string& event, std::string_view parent = {}) {
  return R"({"type":"stream_event","event":)" + event +
         R"(,"session_id":"s1","parent_tool_use_id":)" + parent_field(parent) + R"(,"uuid":"u1"})";
}

inline std::string message_start(std::string_view id, std::string_view parent = {}) {
  return stream(R"({"type":"message_start","message":{"model":"claude-sonnet-4-5","id":)" +
                    quote(id) +
                    R"(,"type":"message","role":"assistant","content":[],"stop_reason":null,)"
                    R"("usage":{"input_tokens":3,"output_tokens":1}}})",
                parent);
}

inline std::string block_start(int index, std::string_view type, std::string_view parent = {}) {
  std::string block;
  if (type == "text") {
    block = R"({"type":"text","text":""})";
  } else if (type == "thinking") {
    block = R"({"type":"thinking","thinking":"","signature":""})";
  } else {
    block = std::string(type);  // a full content_block object given by the caller
  }
  return stream(R"({"type":"content_block_start","index":)" + std::to_string(index) +
                    R"(,"content_block":)" + block + "}",
                parent);
}

inline std::string tool_block_start(int index, std::string_view id, std::string_view name) {
  return block_start(index, R"({"type":"tool_use","id":)" + quote(id) + R"(,"name":)" +
                                quote(name) + R"(,"input":{}})");
}

inline std::string delta(int index, std::string_view delta_type, std::string_view field,
                         std::string_view text, std::string_view parent = {}) {
  return stream(R"({"type":"content_block_delta","index":)" + std::to_string(index) +
                    R"(,"delta":{"type":)" + quote(delta_type) + "," + quote(field) + ":" +
                    quote(text) + "}}",
                parent);
}

inline std::string text_delta(int index, std::string_view text, std::string_view parent = {}) {
  return delta(index, "text_delta", "text", text, parent);
}
inline std::string thinking_delta(int index, std::string_view text) {
  return delta(index, "thinking_delta", "thinking", text);
}
inline std::string json_delta(int index, std::string_view partial) {
  return delta(index, "input_json_delta", "partial_json", partial);
}

inline std::string block_stop(int index, std::string_view parent = {}) {
  return stream(R"({"type":"content_block_stop","index":)" + std::to_string(index) + "}", parent);
}

inline std::string message_delta(std::string_view stop_reason = "end_turn") {
  return stream(R"({"type":"message_delta","delta":{"stop_reason":)" + quote(stop_reason) +
                R"(,"stop_sequence":null},"usage":{"output_tokens":42}})");
}

inline std::string message_stop(std::string_view parent = {}) {
  return stream(R"({"type":"message_stop"})", parent);
}

// Content block objects for assistant lines.
inline std::string text_block(std::string_view text) {
  return R"({"type":"text","text":)" + quote(text) + "}";
}
inline std::string thinking_block(std::string_view text) {
  return R"({"type":"thinking","thinking":)" + quote(text) + R"(,"signature":"EqQBCkYIBxgCKkD"})";
}
inline std::string tool_block(std::string_view id, std::string_view name) {
  return R"({"type":"tool_use","id":)" + quote(id) + R"(,"name":)" + quote(name) +
         R"(,"input":{"command":"ls -la"}})";
}

// An assistant line holding the given content blocks (comma-separated JSON objects).
inline std::string assistant(std::string_view id, const std::string& blocks,
                             std::string_view parent = {}) {
  return R"({"type":"assistant","message":{"model":"claude-sonnet-4-5","id":)" + quote(id) +
         R"(,"type":"message","role":"assistant","content":[)" + blocks +
         R"(],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":3,"output_tokens":9}},)"
         R"("parent_tool_use_id":)" +
         parent_field(parent) + R"(,"session_id":"s1","uuid":"u2"})";
}

inline std::string user_tool_result(std::string_view tool_id, std::string_view parent = {}) {
  return R"({"type":"user","message":{"role":"user","content":[{"tool_use_id":)" + quote(tool_id) +
         R"(,"type":"tool_result","content":"total 8\ndrwxr-xr-x  2 dev dev 4096 .","is_error":false}]},)"
         R"("parent_tool_use_id":)" +
         parent_field(parent) + R"(,"session_id":"s1","uuid":"u3"})";
}

inline std::string result(std::string_view text = "done") {
  return R"({"type":"result","subtype":"success","is_error":false,"duration_ms":1234,)"
         R"("duration_api_ms":1100,"num_turns":2,"result":)" +
         quote(text) +
         R"(,"session_id":"s1","total_cost_usd":0.0123,"usage":{"input_tokens":10,"output_tokens":50},)"
         R"("permission_denials":[],"uuid":"u4"})";
}

// The stream events of one text block: start, the deltas, stop.
inline std::vector<std::string> streamed_text(int index, const std::vector<std::string>& pieces,
                                              bool stop = true) {
  std::vector<std::string> lines{block_start(index, "text")};
  for (const std::string& p : pieces) lines.push_back(text_delta(index, p));
  if (stop) lines.push_back(block_stop(index));
  return lines;
}

inline void append(std::vector<std::string>* lines, const std::vector<std::string>& more) {
  lines->insert(lines->end(), more.begin(), more.end());
}

}  // namespace stream_tts::test::claude
