// Chat templates: which one a model uses and how messages become prompt text.
// Pure functions over llama.cpp's template renderer (llama_chat_apply_template needs no model), so
// they are testable without weights. No llama.h here: callers outside this folder never see
// llama.cpp types.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "stream_tts/status.h"

namespace stream_tts::llama {

struct ChatMessage {
  std::string role;  // "system" | "user" | "assistant"
  std::string content;
};

// The built-in template (a llama.cpp template name) for a GGUF `general.architecture`, used when
// the file carries no `tokenizer.chat_template`: the packaged Gemma-3-270M base has none, and its
// family's turn format is what an instruction-tuned sibling expects. Unknown architectures get
// ChatML, the most common format among small instruction-tuned models.
std::string builtin_template_for_arch(std::string_view arch);

// True when llama.cpp's renderer recognises `tmpl` (a template name such as "chatml", or the Jinja
// source from GGUF metadata, which it matches by characteristic markers; it does not run Jinja).
bool is_supported_template(const std::string& tmpl);

// Chooses the template: the model's own when the renderer supports it, else the built-in for its
// architecture. `origin` (optional) receives a short note for the log: "model", "builtin:<name>".
std::string choose_template(const char* model_template, std::string_view arch, std::string* origin);

// Renders `messages` with `tmpl`; `add_assistant` appends the opening of the assistant's turn.
Result<std::string> apply_chat_template(const std::string& tmpl,
                                        std::span<const ChatMessage> messages, bool add_assistant);

}  // namespace stream_tts::llama
