// Claude Code stream-json -> TextEvents.
//
// What is spoken: the `text` blocks of top-level `assistant` messages. Two sources carry that
// text, and with --include-partial-messages both arrive:
//   1. `stream_event` lines wrapping the Messages API streaming events (message_start,
//      content_block_start/delta/stop, message_delta, message_stop) — early, token by token;
//   2. `assistant` lines holding finished content blocks — late, and repeating the same text.
// Claude Code writes one `assistant` line per content block, all with the message id of
// message_start and each with its own `content` array starting again at index 0, so the index of
// a block inside an `assistant` line says nothing about its stream index (a thinking block before
// the text moves the text to stream index 1). The line may come before or after the block's
// content_block_stop, and a stalled stream may deliver only a few deltas before the full line.
//
// Dedup therefore works per message id and matches by content, not by position: each text block
// of an `assistant` line is paired with the first streamed text block of the same message that is
// not paired yet and whose spoken text is a prefix of it (or it a prefix of that). Only the part
// not yet spoken is delivered; text with no streamed partner (no partial messages, or lost
// deltas) is delivered whole. Identical texts in separate blocks pair one to one.
//
// Not spoken: thinking / redacted_thinking blocks and their deltas, tool_use input, `user` lines
// (tool results), `system`, `result`, unknown types, and subagent traffic (parent_tool_use_id set:
// a subagent's work is an internal step and its final report reaches the main agent, which then
// summarises it aloud).
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "core/log.h"
#include "input/adapters.h"
#include "input/event_writer.h"
#include "input/json_line.h"

namespace stream_tts::input {
namespace {

namespace dom = simdjson::dom;

// Messages remembered for late `assistant` lines; only the last one or two are ever active.
constexpr size_t kRememberedMessages = 8;

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

// A text block seen in stream events.
struct StreamBlock {
  uint64_t index = 0;
  bool stopped = false;       // content_block_stop seen
  bool matched = false;       // paired with a text block of an `assistant` line
  bool diverged = false;      // deltas disagree with the full text, which wins
  size_t streamed_bytes = 0;  // delta bytes received
  std::string spoken;         // everything delivered for this block
};

struct Message {
  std::string id;                            // message.id; empty while unknown (message_start lost)
  bool streamed = false;                     // stream events seen for it
  bool stream_stopped = false;               // message_stop seen
  bool ended = false;                        // kMessageEnd reported
  std::vector<StreamBlock> blocks;           // text blocks by ascending stream index
  std::vector<std::string> announced_tools;  // tool_use ids already announced
};

// "mcp__github__create_issue" -> "create_issue": the server prefix is noise when spoken.
std::string_view spoken_tool_name(std::string_view name) {
  if (starts_with(name, "mcp__")) {
    const size_t cut = name.rfind("__");
    if (cut != std::string_view::npos && cut + 2 < name.size()) return name.substr(cut + 2);
  }
  return name;
}

class ClaudeAdapter final : public InputAdapter {
 public:
  explicit ClaudeAdapter(const InputOptions& options) : options_(options) {}

  void on_line(std::string_view line, uint64_t line_no, double t_ms,
               std::vector<TextEvent>* out) override;
  void on_end(double t_ms, std::vector<TextEvent>* out) override;
  InputFormat format() const override { return InputFormat::kClaude; }

 private:
  void on_stream_event(dom::element event, uint64_t line_no, double t);
  void on_assistant(dom::element root, uint64_t line_no, double t);
  void on_full_text(Message* m, std::string_view text, double t);
  void on_text_delta(StreamBlock* b, std::string_view text, uint64_t line_no, double t);
  void announce_tool(Message* m, std::string_view id, std::string_view name, double t);

  Message* find(std::string_view id);
  Message* add(std::string_view id);
  Message* stream_target(double t);
  StreamBlock* text_block(Message* m, uint64_t index, bool create);
  void make_open(Message* m, double t);
  void end(Message* m, double t);
  void end_open(double t) {
    if (open_ != nullptr) end(open_, t);
  }

  InputOptions options_;
  JsonLineParser parser_;
  LineDiagnostics diag_{"claude"};
  EventWriter w_;
  std::vector<std::unique_ptr<Message>> messages_;  // oldest first
  Message* open_ = nullptr;                         // the message whose kMessageEnd is still due
  Message* stream_ = nullptr;                       // the message stream events currently apply to
};

void ClaudeAdapter::on_line(std::string_view line, uint64_t line_no, double t_ms,
                            std::vector<TextEvent>* out) {
  w_.target(out);
  if (is_blank(line)) return;

  dom::element root;
  bool repaired = false;
  if (const auto err = parser_.parse(line, &root, &repaired); err) {
    diag_.malformed(line_no, simdjson::error_message(err));
    return;
  }
  if (repaired) diag_.repaired(line_no);

  std::string_view type;
  if (!get_string(root, "type", &type)) {
    log::debug("claude input, line {}: no \"type\" field; skipped", line_no);
    return;
  }
  const bool subagent = has_non_null(root, "parent_tool_use_id");

  if (type == "stream_event") {
    if (subagent) return;
    dom::element event;
    if (get_object(root, "event", &event)) on_stream_event(event, line_no, t_ms);
  } else if (type == "assistant") {
    if (subagent) return;
    on_assistant(root, line_no, t_ms);
  } else if (type == "user") {
    // Tool results follow the assistant turn that asked for them: that message is complete.
    if (!subagent) end_open(t_ms);
  } else if (type == "result") {
    end_open(t_ms);
    stream_ = nullptr;
    w_.session_end(t_ms);
  } else {
    // system (init, hooks, compact boundaries...), rate_limit_event and types added later.
    log::debug("claude input, line {}: type \"{}\" not spoken", line_no, type);
  }
}

void ClaudeAdapter::on_end(double t_ms, std::vector<TextEvent>* out) {
  w_.target(out);
  end_open(t_ms);
  w_.session_end(t_ms);
}

void ClaudeAdapter::on_stream_event(dom::element event, uint64_t line_no, double t) {
  std::string_view type;
  if (!get_string(event, "type", &type)) return;
  uint64_t index = 0;
  get_uint(event, "index", &index);

  if (type == "message_start") {
    std::string_view id;
    dom::element message;
    if (get_object(event, "message", &message)) get_string(message, "id", &id);
    Message* m = id.empty() ? nullptr : find(id);
    if (m == nullptr) m = add(id);
    m->streamed = true;
    stream_ = m;
    make_open(m, t);
  } else if (type == "content_block_start") {
    dom::element block;
    std::string_view block_type;
    if (!get_object(event, "content_block", &block) || !get_string(block, "type", &block_type)) {
      return;
    }
    Message* m = stream_target(t);
    if (block_type == "text") {
      StreamBlock* b = text_block(m, index, true);
      std::string_view initial;
      if (get_string(block, "text", &initial)) on_text_delta(b, initial, line_no, t);
    } else if (options_.announce_tools &&
               (block_type == "tool_use" || block_type == "server_tool_use")) {
      std::string_view id, name;
      get_string(block, "id", &id);
      get_string(block, "name", &name);
      announce_tool(m, id, name, t);
    }
  } else if (type == "content_block_delta") {
    dom::element delta;
    std::string_view delta_type, text;
    if (!get_object(event, "delta", &delta) || !get_string(delta, "type", &delta_type)) return;
    // thinking_delta, signature_delta, input_json_delta, citations_delta: not spoken.
    if (delta_type != "text_delta" || !get_string(delta, "text", &text)) return;
    // A delta without its content_block_start (line lost) still opens the block.
    on_text_delta(text_block(stream_target(t), index, true), text, line_no, t);
  } else if (type == "content_block_stop") {
    if (stream_ == nullptr) return;
    if (StreamBlock* b = text_block(stream_, index, false); b != nullptr) {
      b->stopped = true;
      w_.block_end(t);
    }
  } else if (type == "message_stop") {
    if (stream_ == nullptr) return;
    stream_->stream_stopped = true;
    end(stream_, t);
    stream_ = nullptr;
  }
  // message_delta (stop_reason, usage), ping, error and future events: nothing to say.
}

void ClaudeAdapter::on_text_delta(StreamBlock* b, std::string_view text, uint64_t line_no,
                                  double t) {
  if (b->diverged || text.empty()) return;
  if (b->streamed_bytes == b->spoken.size()) {  // the usual case: deltas only
    b->spoken.append(text);
    b->streamed_bytes += text.size();
    w_.delta(text, t);
    return;
  }
  // An `assistant` line delivered this block ahead of its deltas: skip what it already said.
  const size_t ahead = b->spoken.size() - b->streamed_bytes;
  const size_t overlap = std::min(ahead, text.size());
  if (text.compare(0, overlap, b->spoken, b->streamed_bytes, overlap) != 0) {
    b->diverged = true;
    log::debug("claude input, line {}: deltas of block {} differ from the full text; ignoring them",
               line_no, b->index);
    return;
  }
  b->streamed_bytes += text.size();
  if (text.size() > overlap) {
    const std::string_view tail = text.substr(overlap);
    b->spoken.append(tail);
    w_.delta(tail, t);
  }
}

void ClaudeAdapter::on_assistant(dom::element root, uint64_t line_no, double t) {
  dom::element message;
  if (!get_object(root, "message", &message)) {
    log::debug("claude input, line {}: assistant line without a message object", line_no);
    return;
  }
  std::string_view id;
  get_string(message, "id", &id);

  Message* m = id.empty() ? nullptr : find(id);
  if (m == nullptr && stream_ != nullptr && (stream_->id.empty() || id.empty())) {
    // The stream's message_start was lost (or this line has no id): it is the same message.
    if (stream_->id.empty()) stream_->id = std::string(id);
    m = stream_;
  }
  if (m == nullptr) m = add(id);
  make_open(m, t);

  dom::element content;
  if (message.get_object().at_key("content").get(content)) return;
  if (std::string_view text; !content.get_string().get(text)) {
    on_full_text(m, text, t);  // the API allows plain-string content
    return;
  }
  dom::array blocks;
  if (content.get_array().get(blocks)) return;
  for (dom::element block : blocks) {
    std::string_view block_type;
    if (!get_string(block, "type", &block_type)) continue;
    if (block_type == "text") {
      std::string_view text;
      if (get_string(block, "text", &text)) on_full_text(m, text, t);
    } else if (options_.announce_tools &&
               (block_type == "tool_use" || block_type == "server_tool_use")) {
      std::string_view tool_id, name;
      get_string(block, "id", &tool_id);
      get_string(block, "name", &name);
      announce_tool(m, tool_id, name, t);
    }
    // thinking, redacted_thinking, tool_result, images, unknown blocks: not spoken.
  }
}

void ClaudeAdapter::on_full_text(Message* m, std::string_view text, double t) {
  // An empty block says nothing, and as a prefix of everything it would pair with (and use up)
  // a streamed block that belongs to a later line.
  if (text.empty()) return;
  StreamBlock* b = nullptr;
  for (StreamBlock& s : m->blocks) {
    if (!s.matched && (starts_with(text, s.spoken) || starts_with(s.spoken, text))) {
      b = &s;
      break;
    }
  }
  if (b == nullptr) {
    // Never streamed (plain --verbose, or its deltas were lost): the whole text is new.
    w_.block_end(t);
    w_.delta(text, t);
    w_.block_end(t);
    return;
  }
  b->matched = true;
  // Nothing new: the stream already said it all and ends (or ended) the block itself. Ending it
  // here could cut into the block of a later message that is streaming now.
  if (text.size() <= b->spoken.size()) return;
  const std::string_view tail = text.substr(b->spoken.size());
  b->spoken.assign(text);
  w_.delta(tail, t);
  // While the stream is still live its content_block_stop ends the block; otherwise now.
  if (b->stopped || m->stream_stopped || m->ended || m != stream_) w_.block_end(t);
}

void ClaudeAdapter::announce_tool(Message* m, std::string_view id, std::string_view name,
                                  double t) {
  if (!id.empty()) {
    auto& seen = m->announced_tools;
    if (std::find(seen.begin(), seen.end(), id) != seen.end()) return;
    seen.emplace_back(id);
  }
  const std::string_view shown = spoken_tool_name(name);
  std::string phrase =
      shown.empty() ? std::string("Running a tool.") : "Running " + std::string(shown) + ".";
  w_.block_end(t);  // the announcement is its own block
  w_.delta(phrase, t);
  w_.block_end(t);
}

Message* ClaudeAdapter::find(std::string_view id) {
  for (auto it = messages_.rbegin(); it != messages_.rend(); ++it) {
    if ((*it)->id == id) return it->get();
  }
  return nullptr;
}

Message* ClaudeAdapter::add(std::string_view id) {
  if (messages_.size() >= kRememberedMessages) {
    auto victim = std::find_if(messages_.begin(), messages_.end(), [this](const auto& m) {
      return m.get() != open_ && m.get() != stream_;
    });
    if (victim != messages_.end()) messages_.erase(victim);
  }
  messages_.push_back(std::make_unique<Message>());
  messages_.back()->id = std::string(id);
  return messages_.back().get();
}

Message* ClaudeAdapter::stream_target(double t) {
  if (stream_ == nullptr) {  // message_start lost: stream into an anonymous message
    stream_ = add({});
    stream_->streamed = true;
    make_open(stream_, t);
  }
  return stream_;
}

StreamBlock* ClaudeAdapter::text_block(Message* m, uint64_t index, bool create) {
  auto it = std::lower_bound(m->blocks.begin(), m->blocks.end(), index,
                             [](const StreamBlock& b, uint64_t i) { return b.index < i; });
  if (it != m->blocks.end() && it->index == index) return &*it;
  if (!create) return nullptr;
  it = m->blocks.insert(it, StreamBlock{});
  it->index = index;
  return &*it;
}

void ClaudeAdapter::make_open(Message* m, double t) {
  // A message already reported as ended stays ended: a late `assistant` line must not reopen it
  // (and must not end the message that is streaming now).
  if (open_ == m || m->ended) return;
  end_open(t);
  open_ = m;
  w_.open_message();
}

void ClaudeAdapter::end(Message* m, double t) {
  if (m == open_) {
    w_.message_end(t);
    open_ = nullptr;
  } else {
    w_.block_end(t);
  }
  m->ended = true;
  if (m == stream_ && !m->stream_stopped) stream_ = nullptr;
}

}  // namespace

std::unique_ptr<InputAdapter> make_claude_adapter(const InputOptions& options) {
  return std::make_unique<ClaudeAdapter>(options);
}

}  // namespace stream_tts::input
