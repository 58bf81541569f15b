// The clause rules against the kokoro-ja worker's (workers/kokoro_ja/kokoro_ja_worker/clauses.py):
// the expected lists are that function's output for the same inputs and counting rule.
#include <gtest/gtest.h>

#include <vector>

#include "tts/kokoro/audio_trim.h"
#include "tts/kokoro/clauses.h"

namespace stream_tts::kokoro {
namespace {

// A stand-in for the vocabulary: every code point but spaces is one token.
size_t count(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80 && c != ' ';
  return n;
}

using Clauses = std::vector<std::string>;

TEST(KokoroClauses, AsTheWorkerCutsThem) {
  const std::string ja = "kʲoː βa ii teŋkʲi desɨ ne.";
  EXPECT_EQ(split_clauses(ja, count), Clauses{ja});
  EXPECT_EQ(split_clauses(ja, count, 3, 8), (Clauses{"kʲoː βa ii", "teŋkʲi", "desɨ ne."}));
  const std::string long_text =
      "a, b. cc dd, eeee ffff gggg hhhh iiii jjjj kkkk, llll mmmm nnnn oooo pppp. qq";
  EXPECT_EQ(split_clauses(long_text, count),
            (Clauses{"a, b. cc dd, eeee ffff gggg hhhh iiii jjjj kkkk,",
                     "llll mmmm nnnn oooo pppp. qq"}));
  EXPECT_EQ(split_clauses(long_text, count, 3, 8),
            (Clauses{"a, b.", "cc dd,", "eeee ffff", "gggg hhhh", "iiii jjjj", "kkkk,",
                     "llll mmmm", "nnnn oooo", "pppp. qq"}));
  EXPECT_EQ(split_clauses("  x  ", count), Clauses{"x"});
  EXPECT_TRUE(split_clauses("", count).empty());
  EXPECT_EQ(split_clauses("abc… def! ghi? jkl", count, 3, 8),
            (Clauses{"abc…", "def!", "ghi?", "jkl"}));
  // Words longer than the model takes are cut by code points.
  EXPECT_EQ(split_clauses("aaaaaaaaaa bbbbbbbbbb, cccccccccc", count, 3, 8),
            (Clauses{"aaaaaaaa", "aa", "bbbbbbbb", "bb,", "cccccccc", "cc"}));
  EXPECT_EQ(split_clauses("ɕɕɕɕɕ", count, 1, 2), (Clauses{"ɕɕ", "ɕɕ", "ɕ"}));
}

TEST(KokoroClauses, PauseAfterTheClauseMark) {
  EXPECT_FLOAT_EQ(pause_after("abc,"), 0.12f);
  EXPECT_FLOAT_EQ(pause_after("abc… "), 0.3f);
  EXPECT_FLOAT_EQ(pause_after("abc?"), 0.3f);
  EXPECT_FLOAT_EQ(pause_after("abc"), 0.0f);
  EXPECT_FLOAT_EQ(pause_after(""), 0.0f);
}

TEST(KokoroTrim, KeepsSpeechWithPaddingAndFades) {
  constexpr int kRate = 1000;  // 30 samples of padding, 3 of fade
  std::vector<float> audio(1000, 0.001f);
  for (size_t i = 400; i < 600; ++i) audio[i] = 0.5f;
  const auto [begin, end] = trim_range(audio, kRate);
  EXPECT_EQ(begin, 370u);
  EXPECT_EQ(end, 630u);
  std::vector<float> kept(audio.begin() + 395, audio.begin() + 405);
  fade_ends(kept, kRate);
  EXPECT_FLOAT_EQ(kept[0], 0.0f);
  EXPECT_FLOAT_EQ(kept[1], 0.001f / 3.0f);
  EXPECT_FLOAT_EQ(kept[9], 0.0f);  // as numpy's linspace(0, 1, 3, endpoint=False) reversed
  EXPECT_FLOAT_EQ(kept[8], 0.5f / 3.0f);
  EXPECT_FLOAT_EQ(kept[7], 0.5f * (2.0f / 3.0f));
  EXPECT_FLOAT_EQ(kept[5], 0.5f);
  // Silence everywhere: nothing kept. Speech at the very edges: the range stops at the ends.
  std::vector<float> quiet(100, 0.0f);
  EXPECT_EQ(trim_range(quiet, kRate), (std::pair<size_t, size_t>{0, 0}));
  quiet.front() = quiet.back() = -1.0f;
  EXPECT_EQ(trim_range(quiet, kRate), (std::pair<size_t, size_t>{0, 100}));
}

}  // namespace
}  // namespace stream_tts::kokoro
