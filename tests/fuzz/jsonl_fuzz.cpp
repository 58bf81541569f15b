// Generic JSONL -> TextEvents (src/input/jsonl_adapter.cpp), with the field path chosen by the
// input's option byte: the event rules of input_adapter.h and agreement with the auto-detecting
// adapter (adapter_fuzz.h). JSONL never ends a block or a message before the end of the stream.
#include "adapter_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace stream_tts;
  const std::vector<TextEvent> events = fuzz::check_adapter(data, size, InputFormat::kJsonl);
  // The end of the stream closes the block (kBlockEnd, kSessionEnd); nothing else ends one.
  for (size_t i = 0; i + 2 < events.size(); ++i) {
    fuzz::check(events[i].kind == TextEventKind::kDelta,
                "jsonl: only deltas before the end of the stream");
  }
  return 0;
}
