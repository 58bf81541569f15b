#include "worker/messages.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cstring>

#include "core/json_writer.h"
#include "core/utf8.h"

namespace stream_tts::worker {
namespace dom = simdjson::dom;
namespace {

constexpr std::pair<std::string_view, MessageType> kTypes[] = {
    {"hello", MessageType::kHello},     {"capabilities", MessageType::kCapabilities},
    {"request", MessageType::kRequest}, {"chunk", MessageType::kChunk},
    {"done", MessageType::kDone},       {"error", MessageType::kError},
    {"cancel", MessageType::kCancel},   {"ping", MessageType::kPing},
    {"pong", MessageType::kPong},       {"shutdown", MessageType::kShutdown},
};

// The start of a header, for error messages: enough to recognise it, never a whole 64 KiB.
std::string excerpt(std::string_view header) {
  constexpr size_t kMax = 80;
  std::string s = utf8::sanitize(header.substr(0, kMax));
  for (char& c : s) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  if (header.size() > kMax) s += "...";
  return "'" + s + "'";
}

// Reads optional fields of one object, remembering the first field of a wrong type.
class Fields {
 public:
  Fields(dom::object obj, std::string_view type) : obj_(obj), type_(type) {}

  bool has(std::string_view key) {
    dom::element e;
    return !obj_.at_key(key).get(e) && !e.is_null();
  }
  void str(std::string_view key, std::string* out) {
    dom::element e;
    if (!find(key, &e)) return;
    std::string_view v;
    if (e.get_string().get(v)) return wrong(key, "a string");
    out->assign(v);
  }
  void u64(std::string_view key, uint64_t* out, bool* present = nullptr) {
    dom::element e;
    if (!find(key, &e)) return;
    if (e.get_uint64().get(*out)) return wrong(key, "an unsigned integer");
    if (present) *present = true;
  }
  void i32(std::string_view key, int* out) {
    dom::element e;
    if (!find(key, &e)) return;
    int64_t v;
    if (e.get_int64().get(v) || v < INT32_MIN || v > INT32_MAX) return wrong(key, "an integer");
    *out = static_cast<int>(v);
  }
  void i64(std::string_view key, int64_t* out) {
    dom::element e;
    if (!find(key, &e)) return;
    if (e.get_int64().get(*out)) return wrong(key, "an integer");
  }
  void boolean(std::string_view key, bool* out) {
    dom::element e;
    if (!find(key, &e)) return;
    if (e.get_bool().get(*out)) return wrong(key, "true or false");
  }
  void strings(std::string_view key, std::vector<std::string>* out) {
    dom::element e;
    if (!find(key, &e)) return;
    dom::array arr;
    if (e.get_array().get(arr)) return wrong(key, "an array of strings");
    for (dom::element item : arr) {
      std::string_view v;
      if (item.get_string().get(v)) return wrong(key, "an array of strings");
      out->emplace_back(v);
    }
  }
  void raw_object(std::string_view key, std::string* out) {
    dom::element e;
    if (!find(key, &e)) return;
    if (!e.is_object()) return wrong(key, "an object");
    *out = simdjson::to_string(e);
  }
  void voices(std::string_view key, std::vector<WorkerVoice>* out) {
    dom::element e;
    if (!find(key, &e)) return;
    dom::array arr;
    if (e.get_array().get(arr)) return wrong(key, "an array");
    for (dom::element item : arr) {
      WorkerVoice v;
      std::string_view name;
      if (!item.get_string().get(name)) {  // a bare name is accepted too
        v.name = name;
      } else if (item.is_object()) {
        Fields f(item.get_object().value_unsafe(), type_);
        f.str("name", &v.name);
        f.str("lang", &v.lang);
        f.str("description", &v.description);
        if (!f.error().empty() || v.name.empty())
          return wrong(key, "voices with a string \"name\"");
      } else {
        return wrong(key, "an array of voice objects");
      }
      out->push_back(std::move(v));
    }
  }
  void require(std::string_view key) {
    if (error_.empty() && !has(key))
      error_ = "'" + std::string(type_) + "' without \"" + std::string(key) + "\"";
  }
  const std::string& error() const { return error_; }

 private:
  bool find(std::string_view key, dom::element* e) {
    if (obj_.at_key(key).get(*e)) return false;
    return !e->is_null();
  }
  void wrong(std::string_view key, const char* expected) {
    if (error_.empty()) {
      error_ = "'" + std::string(type_) + "' field \"" + std::string(key) + "\" is not " + expected;
    }
  }

  dom::object obj_;
  std::string_view type_;
  std::string error_;
};

std::string number(double v) {
  // Shortest round-trip text: a weight of 0.7 is sent as 0.7, not 0.700 (JsonObject's 3 decimals).
  return fmt::format("{}", v);
}

}  // namespace

bool Capabilities::has_style(std::string_view s) const {
  return std::find(styles.begin(), styles.end(), s) != styles.end();
}

struct MessageParser::Impl {
  dom::parser parser;
  std::string buffer;  // header copy followed by SIMDJSON_PADDING readable bytes
};

MessageParser::MessageParser() : impl_(std::make_unique<Impl>()) {}
MessageParser::~MessageParser() = default;

Status MessageParser::parse(std::string_view header, Message* out) {
  *out = Message{};
  const size_t need = header.size() + simdjson::SIMDJSON_PADDING;
  if (impl_->buffer.size() < need) impl_->buffer.resize(need);
  if (!header.empty()) std::memcpy(impl_->buffer.data(), header.data(), header.size());
  dom::element root;
  if (auto err = impl_->parser.parse(impl_->buffer.data(), header.size(), false).get(root)) {
    return {StatusCode::kDataError, std::string("frame header is not valid JSON (") +
                                        simdjson::error_message(err) + "): " + excerpt(header)};
  }
  dom::object obj;
  if (root.get_object().get(obj)) {
    return {StatusCode::kDataError, "frame header is not a JSON object: " + excerpt(header)};
  }
  std::string_view type;
  if (obj.at_key("type").get_string().get(type)) {
    return {StatusCode::kDataError,
            "frame header has no string field \"type\": " + excerpt(header)};
  }
  out->type_name = type;
  for (const auto& [name, t] : kTypes) {
    if (name == type) out->type = t;
  }
  Fields f(obj, type);
  f.u64("id", &out->id, &out->has_id);
  switch (out->type) {
    case MessageType::kHello:
      f.i32("protocol", &out->protocol);
      break;
    case MessageType::kCapabilities: {
      f.require("protocol");
      f.i32("protocol", &out->protocol);
      Capabilities& c = out->capabilities;
      c.protocol = out->protocol;
      f.str("name", &c.name);
      f.str("kind", &c.kind);
      f.strings("languages", &c.languages);
      f.strings("source_languages", &c.source_languages);
      f.strings("target_languages", &c.target_languages);
      f.voices("voices", &c.voices);
      f.str("default_voice", &c.default_voice);
      f.strings("styles", &c.styles);
      f.boolean("cloning", &c.cloning);
      f.i32("sample_rate", &c.sample_rate);
      f.str("sample_format", &c.sample_format);
      f.str("chunking", &c.chunking);
      f.i32("max_in_flight", &c.max_in_flight);
      f.i64("pid", &c.pid);
      break;
    }
    case MessageType::kChunk:
      f.require("id");
      f.require("seq");
      f.u64("seq", &out->seq);
      f.i32("sample_rate", &out->sample_rate);
      f.str("format", &out->format);
      break;
    case MessageType::kDone:
      f.require("id");
      f.u64("chunks", &out->chunks);
      f.str("text", &out->text);
      f.raw_object("stats", &out->stats_json);
      break;
    case MessageType::kError:
      f.str("code", &out->code);
      f.str("message", &out->message);
      break;
    default:
      break;
  }
  if (!f.error().empty())
    return {StatusCode::kDataError, "frame header: " + f.error() + ": " + excerpt(header)};
  return {};
}

std::string hello_header(std::string_view client) {
  return JsonObject()
      .add("type", "hello")
      .add("protocol", kProtocolVersion)
      .add("client", client)
      .str();
}

std::string request_header(uint64_t id, const RequestFields& r) {
  JsonObject o;
  // JsonObject needs valid UTF-8; the engine's text is, but a library caller's may not be.
  o.add("type", "request")
      .add("id", static_cast<unsigned long long>(id))
      .add("text", utf8::sanitize(r.text));
  if (!r.voice.empty()) o.add("voice", utf8::sanitize(r.voice));
  if (r.speed > 0) o.add_raw("speed", number(r.speed));
  if (!r.blend.empty()) {
    std::string blend = "{";
    for (const auto& [voice, weight] : r.blend) {
      if (blend.size() > 1) blend += ',';
      append_json_string(&blend, utf8::sanitize(voice));
      blend += ':' + number(weight);
    }
    blend += '}';
    o.add_raw("blend", blend);
  }
  if (!r.options_json.empty()) o.add_raw("options", r.options_json);
  if (!r.reference_format.empty()) {
    o.add("reference_format", r.reference_format)
        .add("reference_sample_rate", r.reference_sample_rate);
  }
  return o.str();
}

std::string cancel_header(uint64_t id) {
  return JsonObject().add("type", "cancel").add("id", static_cast<unsigned long long>(id)).str();
}

std::string ping_header(uint64_t id) {
  return JsonObject().add("type", "ping").add("id", static_cast<unsigned long long>(id)).str();
}

std::string shutdown_header() {
  return JsonObject().add("type", "shutdown").str();
}

StatusCode status_code_for_error(std::string_view code) {
  if (code == "cancelled") return StatusCode::kCancelled;
  if (code == "bad_request" || code == "unknown_voice" || code == "unsupported" ||
      code == "too_long" || code == "version") {
    return StatusCode::kInvalidArgument;
  }
  return StatusCode::kInternal;
}

}  // namespace stream_tts::worker
