// Routes llama.cpp's and ggml's log output (model loading tables, per-context notices: dozens of
// lines per load) into our log facade at debug level, so that `stream-tts` stays quiet unless asked
// (--log-level debug). The last error line is kept so that a failed load can say why.
#pragma once

#include <string>

namespace stream_tts::llama {

// Installs the bridge and initialises llama.cpp's backends; safe to call many times, from any
// thread.
void init_llama_once();

// The last line llama.cpp logged at error level on the calling thread ("" if none).
std::string last_llama_error();

}  // namespace stream_tts::llama
