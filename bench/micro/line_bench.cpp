// Per input line: Claude stream-json parse (simdjson) + dedup bookkeeping + markdown cleaning +
// sentence segmentation, i.e. the whole text path from one delta line to sentences.
// Target (issue 3): <= 20 us p50 for a typical ~200-byte text_delta line on the 2-core machine.
// The same line replayed through a fresh message each iteration batch keeps the adapter's state
// realistic (one long streamed text block).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "engine/text_stage.h"
#include "input/input_adapter.h"

namespace stream_tts {
namespace {

std::string delta_line(const std::string& text) {
  return R"({"type":"stream_event","event":{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":")" +
         text +
         R"("}},"session_id":"5d0c7a1e-3b2f-4c61-9a8e-2f1d6b7c9e10","parent_tool_use_id":null,"uuid":"6513270e-269e-0d37-f2a7-4de452e6b438"})";
}

const char* kStart =
    R"({"type":"stream_event","event":{"type":"message_start","message":{"id":"msg_bench","type":"message","role":"assistant","content":[]}},"session_id":"s","parent_tool_use_id":null})";
const char* kBlockStart =
    R"({"type":"stream_event","event":{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}},"session_id":"s","parent_tool_use_id":null})";

void run(benchmark::State& state, const std::string& line) {
  InputOptions io;
  io.format = InputFormat::kClaude;
  auto adapter = make_input_adapter(io);
  TextStage text({}, {});
  std::vector<TextEvent> events;
  std::vector<SegmentedSentence> sentences;
  uint64_t line_no = 0;
  adapter->on_line(kStart, ++line_no, 0, &events);
  adapter->on_line(kBlockStart, ++line_no, 0, &events);
  events.clear();
  for (auto _ : state) {
    adapter->on_line(line, ++line_no, 1.0, &events);
    for (const auto& e : events) text.on_event(e, &sentences);
    benchmark::DoNotOptimize(sentences.data());
    events.clear();
    sentences.clear();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * line.size()));
  state.counters["line_bytes"] = static_cast<double>(line.size());
}

void BM_DeltaLineEnglish(benchmark::State& state) {
  run(state, delta_line("I updated `src/cache.py` so that expired entries are dropped. Next, "));
}
void BM_DeltaLineJapanese(benchmark::State& state) {
  run(state, delta_line("期限切れの判定が**逆に**なっています。"));
}
void BM_DeltaLineMarkdown(benchmark::State& state) {
  run(state, delta_line("\\n\\n## Fix\\n\\n- See [the docs](https://example.com/docs) for `--flag`.\\n"));
}

BENCHMARK(BM_DeltaLineEnglish);
BENCHMARK(BM_DeltaLineJapanese);
BENCHMARK(BM_DeltaLineMarkdown);

}  // namespace
}  // namespace stream_tts
