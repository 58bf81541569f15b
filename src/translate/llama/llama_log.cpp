#include "translate/llama/llama_log.h"

#include <llama.h>

#include <mutex>

#include "core/log.h"

namespace stream_tts::llama {
namespace {

// llama.cpp writes a line in pieces (GGML_LOG_LEVEL_CONT continues the previous piece), so pieces
// are gathered per thread until the newline; thread_local keeps lines of concurrent loads apart.
thread_local std::string t_line;
thread_local ggml_log_level t_level = GGML_LOG_LEVEL_INFO;
thread_local std::string t_last_error;

void on_llama_log(ggml_log_level level, const char* text, void* /*user*/) {
  if (level != GGML_LOG_LEVEL_CONT) t_level = level;
  if (text != nullptr) t_line += text;
  size_t nl;
  while ((nl = t_line.find('\n')) != std::string::npos) {
    std::string line = t_line.substr(0, nl);
    t_line.erase(0, nl + 1);
    if (line.empty()) continue;
    if (t_level == GGML_LOG_LEVEL_ERROR) t_last_error = line;
    log::debug("llama.cpp: {}", line);
  }
}

}  // namespace

void init_llama_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    llama_log_set(on_llama_log, nullptr);
    llama_backend_init();
  });
}

std::string last_llama_error() {
  return t_last_error;
}

}  // namespace stream_tts::llama
