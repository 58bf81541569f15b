#include "translate/llama/chat_template.h"

#include <llama.h>

#include <vector>

namespace stream_tts::llama {
namespace {

bool starts_with(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

}  // namespace

std::string builtin_template_for_arch(std::string_view arch) {
  // gemma, gemma2, gemma3, gemma3n, gemma-embedding: all use <start_of_turn>user/model turns.
  if (starts_with(arch, "gemma")) return "gemma";
  if (starts_with(arch, "phi3")) return "phi3";
  if (arch == "llama") return "llama3";
  // qwen2, qwen3, lfm2 and most small chat models speak ChatML.
  return "chatml";
}

bool is_supported_template(const std::string& tmpl) {
  const llama_chat_message probe{"user", "x"};
  // A length of 0 renders nothing and only reports the size: -1 means the format is unknown.
  return llama_chat_apply_template(tmpl.c_str(), &probe, 1, true, nullptr, 0) >= 0;
}

std::string choose_template(const char* model_template, std::string_view arch,
                            std::string* origin) {
  if (model_template != nullptr && *model_template != '\0') {
    std::string tmpl(model_template);
    if (is_supported_template(tmpl)) {
      if (origin) *origin = "model";
      return tmpl;
    }
  }
  std::string name = builtin_template_for_arch(arch);
  if (origin) {
    *origin = (model_template && *model_template)
                  ? "builtin:" + name + " (the model's own is not supported)"
                  : "builtin:" + name + " (the model has none)";
  }
  return name;
}

Result<std::string> apply_chat_template(const std::string& tmpl,
                                        std::span<const ChatMessage> messages, bool add_assistant) {
  std::vector<llama_chat_message> chat;
  chat.reserve(messages.size());
  size_t chars = 0;
  for (const auto& m : messages) {
    chat.push_back({m.role.c_str(), m.content.c_str()});
    chars += m.role.size() + m.content.size();
  }
  // The renderer returns the full length even when the buffer is too small; render twice at most.
  std::string out(2 * chars + 256, '\0');
  int32_t n = llama_chat_apply_template(tmpl.c_str(), chat.data(), chat.size(), add_assistant,
                                        out.data(), static_cast<int32_t>(out.size()));
  if (n < 0) return Status(StatusCode::kInvalidArgument, "unsupported chat template");
  if (static_cast<size_t>(n) > out.size()) {
    out.assign(static_cast<size_t>(n), '\0');
    n = llama_chat_apply_template(tmpl.c_str(), chat.data(), chat.size(), add_assistant, out.data(),
                                  static_cast<int32_t>(out.size()));
    if (n < 0) return Status(StatusCode::kInternal, "chat template failed on the second pass");
  }
  out.resize(static_cast<size_t>(n));
  return out;
}

}  // namespace stream_tts::llama
