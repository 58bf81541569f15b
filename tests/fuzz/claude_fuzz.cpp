// Claude Code stream-json -> TextEvents (src/input/claude_adapter.cpp): the event rules of
// input_adapter.h and agreement with the auto-detecting adapter (adapter_fuzz.h).
#include "adapter_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  stream_tts::fuzz::check_adapter(data, size, stream_tts::InputFormat::kClaude);
  return 0;
}
