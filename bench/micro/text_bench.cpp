// Cleaner and segmenter cost per text delta, on the kind of markdown a coding assistant streams
// (prose with inline code, paths, links, lists, a table, a fenced block), cut into deltas of
// 60-200 bytes as Claude Code's text_delta events are. "per_delta" is the time one delta costs.
//
//   bench_text [--benchmark_filter=...] [--benchmark_repetitions=5]
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "text/cleaner.h"
#include "text/segmenter.h"

namespace {

constexpr std::string_view kEnglishAnswer = R"md(I'll fix the failing test in `tests/unit/parser_test.cpp`. First, let me look at how the lexer handles empty input, since the stack trace points at `Lexer::next()` in /home/dev/project/src/parser/lexer.cpp:142.

## What I found

The lexer assumes the buffer is **never empty**, e.g. it reads `buf[0]` before checking `size()`. That was fine until v1.2.3, when we started passing empty strings from the REPL. See [the issue](https://github.com/org/project/issues/123) for details.

### Changes

1. **Parser**: handle empty input in `src/parser/lexer.cpp` and return `Token::Eof` early.
2. **Tests**: add a regression case, `LexerTest.EmptyInput`.
3. **Docs**: mention the behaviour in README.md &mdash; no API change.

```cpp
TEST(LexerTest, EmptyInput) {
  Lexer lexer("");
  EXPECT_EQ(lexer.next().kind, Token::Eof);
}
```

| File | Change |
|------|--------|
| `src/parser/lexer.cpp` | early return on empty input |
| `tests/unit/parser_test.cpp` | new test |

Run `ctest --output-on-failure` in build/. All 42 tests should pass now ✅. If anything still fails, check https://ci.example.com/builds for the logs... Otherwise we're done!

)md";

constexpr std::string_view kJapaneseAnswer = R"md(`tests/unit/parser_test.cpp` の失敗しているテストを修正します。まず、空の入力を字句解析器がどう扱うかを確認します。

## 原因

字句解析器はバッファが**空でない**ことを前提にしており、`size()` を確認する前に `buf[0]` を読んでいます。詳しくは[イシュー](https://github.com/org/project/issues/123)を参照してください。

- 空の入力では早めに `Token::Eof` を返すようにしました。
- 回帰テストを追加しました。

`ctest` を実行すると、すべてのテストが通ります！

)md";

// Cuts `text` into deltas of 60-200 bytes anywhere (inside words, fences, UTF-8 characters), the
// same cuts on every run.
std::vector<std::string_view> deltas_of(std::string_view text) {
  std::mt19937 rng(42);
  std::uniform_int_distribution<size_t> len(60, 200);
  std::vector<std::string_view> out;
  for (size_t i = 0; i < text.size();) {
    const size_t n = std::min(len(rng), text.size() - i);
    out.push_back(text.substr(i, n));
    i += n;
  }
  return out;
}

std::string repeated(std::string_view text, int times) {
  std::string s;
  for (int i = 0; i < times; ++i) s += text;
  return s;
}

void set_counters(benchmark::State& state, size_t deltas, size_t bytes) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * deltas));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["per_delta"] = benchmark::Counter(
      static_cast<double>(deltas), benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void BM_Clean(benchmark::State& state, std::string_view sample) {
  const std::string text = repeated(sample, 8);
  const std::vector<std::string_view> deltas = deltas_of(text);
  stream_tts::Cleaner cleaner;
  std::string out;
  out.reserve(text.size());
  for (auto _ : state) {
    cleaner.reset();
    out.clear();
    for (std::string_view d : deltas) cleaner.push(d, &out);
    cleaner.end_block(&out);
    benchmark::DoNotOptimize(out.data());
  }
  set_counters(state, deltas.size(), text.size());
}

void BM_Segment(benchmark::State& state, std::string_view sample) {
  // The segmenter sees the cleaner's output, cut the same way.
  const std::string text = stream_tts::clean_markdown(repeated(sample, 8));
  const std::vector<std::string_view> deltas = deltas_of(text);
  stream_tts::Segmenter segmenter;
  std::vector<stream_tts::SegmentedSentence> sentences;
  for (auto _ : state) {
    segmenter.reset();
    sentences.clear();
    double t = 0.0;
    for (std::string_view d : deltas) segmenter.push(d, t += 30.0, &sentences);
    segmenter.flush(t, &sentences);
    benchmark::DoNotOptimize(sentences.data());
  }
  set_counters(state, deltas.size(), text.size());
}

// What the engine does per text_delta: clean it, feed the result to the segmenter.
void BM_CleanAndSegment(benchmark::State& state, std::string_view sample) {
  const std::string text = repeated(sample, 8);
  const std::vector<std::string_view> deltas = deltas_of(text);
  stream_tts::Cleaner cleaner;
  stream_tts::Segmenter segmenter;
  std::string cleaned;
  std::vector<stream_tts::SegmentedSentence> sentences;
  for (auto _ : state) {
    cleaner.reset();
    segmenter.reset();
    sentences.clear();
    double t = 0.0;
    for (std::string_view d : deltas) {
      cleaned.clear();
      cleaner.push(d, &cleaned);
      segmenter.push(cleaned, t += 30.0, &sentences);
    }
    cleaned.clear();
    cleaner.end_block(&cleaned);
    segmenter.push(cleaned, t, &sentences);
    segmenter.flush(t, &sentences);
    benchmark::DoNotOptimize(sentences.data());
  }
  set_counters(state, deltas.size(), text.size());
}

BENCHMARK_CAPTURE(BM_Clean, english, kEnglishAnswer);
BENCHMARK_CAPTURE(BM_Clean, japanese, kJapaneseAnswer);
BENCHMARK_CAPTURE(BM_Segment, english, kEnglishAnswer);
BENCHMARK_CAPTURE(BM_Segment, japanese, kJapaneseAnswer);
BENCHMARK_CAPTURE(BM_CleanAndSegment, english, kEnglishAnswer);
BENCHMARK_CAPTURE(BM_CleanAndSegment, japanese, kJapaneseAnswer);

}  // namespace
