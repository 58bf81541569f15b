// Messages of the worker protocol, version 1 (docs/worker-protocol.md, "Messages"): parsing the
// JSON header of a frame into a Message, and building the headers the manager sends. simdjson stays
// private to this file's .cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "stream_tts/status.h"

namespace stream_tts::worker {

inline constexpr int kProtocolVersion = 1;

enum class MessageType {
  kHello,
  kCapabilities,
  kRequest,
  kChunk,
  kDone,
  kError,
  kCancel,
  kPing,
  kPong,
  kShutdown,
  kUnknown,  // any other `type`: skipped by readers (the header's type name is kept)
};

struct WorkerVoice {
  std::string name;
  std::string lang;
  std::string description;
};

// What a worker said about itself in its `capabilities` message.
struct Capabilities {
  int protocol = 0;
  std::string name;
  std::string kind;  // "tts" | "translate"
  std::vector<std::string> languages;
  std::vector<std::string> source_languages, target_languages;  // translate workers
  std::vector<WorkerVoice> voices;
  std::string default_voice;
  std::vector<std::string> styles;  // "speed", "blend", ...
  bool cloning = false;
  int sample_rate = 0;        // tts: Hz
  std::string sample_format;  // tts: "f32le" | "s16le"
  std::string chunking;       // "none" | "clause" | "stream"
  int max_in_flight = 1;      // requests the worker accepts at once (absent: 1)
  int64_t pid = 0;            // 0 = not reported

  bool has_style(std::string_view s) const;
};

// One parsed header. Fields not used by `type` keep their defaults.
struct Message {
  MessageType type = MessageType::kUnknown;
  std::string type_name;
  bool has_id = false;
  uint64_t id = 0;
  // capabilities, hello
  int protocol = 0;
  Capabilities capabilities;
  // chunk
  uint64_t seq = 0;
  int sample_rate = 0;
  std::string format;  // "f32le" | "s16le" | "text"
  // done
  uint64_t chunks = 0;
  std::string text;        // translate workers: the whole translation
  std::string stats_json;  // the raw "stats" object, empty when absent
  // error
  std::string code;
  std::string message;
};

// Parses headers. Reuses its buffers: after the first few headers a parse allocates little.
// Not thread-safe; one per reader.
class MessageParser {
 public:
  MessageParser();
  ~MessageParser();
  MessageParser(const MessageParser&) = delete;
  MessageParser& operator=(const MessageParser&) = delete;

  // kDataError naming what it saw: not JSON, not an object, no string `type`, a known type with a
  // field of the wrong type or a missing required field (chunk/done/error without `id`, chunk
  // without `seq`, capabilities without `protocol`).
  Status parse(std::string_view header, Message* out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A request as the manager sends it (the `id` is added when it is encoded).
struct RequestFields {
  std::string text;
  std::string voice;                                  // empty: the worker's default
  double speed = 0.0;                                 // 0: not sent (the worker's 1.0)
  std::vector<std::pair<std::string, double>> blend;  // voice -> weight; empty: not sent
  std::string options_json;                           // a JSON object, empty: not sent
  // Voice cloning: reference audio in the payload.
  std::string reference_format;  // "f32le"; empty: no reference
  int reference_sample_rate = 0;
  std::string payload;
};

std::string hello_header(std::string_view client = "stream-tts 0.1.0");
std::string request_header(uint64_t id, const RequestFields& r);
std::string cancel_header(uint64_t id);
std::string ping_header(uint64_t id);
std::string shutdown_header();

// "bad_request" -> kInvalidArgument, "cancelled" -> kCancelled, ... for a worker's error code.
StatusCode status_code_for_error(std::string_view code);

}  // namespace stream_tts::worker
