// Segmenter timing and flush rules: complete_ms, idle poll, max_bytes, state.
#include <gtest/gtest.h>

#include <random>

#include "absorbed.h"
#include "core/utf8.h"
#include "text/char_class.h"
#include "text/segmenter.h"

namespace stream_tts {
namespace {

using Sentences = std::vector<SegmentedSentence>;

Sentences push(Segmenter& s, std::string_view text, double t) {
  Sentences out;
  s.push(text, t, &out);
  return out;
}

TEST(SegmenterTiming, CompleteMsIsWhenTheTerminatorArrivedNotTheLookahead) {
  Segmenter s;
  EXPECT_TRUE(push(s, "Hello world.", 100).empty());  // "." alone: maybe "world.com"
  const Sentences out = push(s, " Next", 250);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text, "Hello world.");
  EXPECT_DOUBLE_EQ(out[0].complete_ms, 100);
}

TEST(SegmenterTiming, ClosingQuoteIsTheLastCharacter) {
  Segmenter s;
  EXPECT_TRUE(push(s, "He said \"stop.", 100).empty());
  EXPECT_TRUE(push(s, "\"", 150).empty());
  const Sentences out = push(s, " Then", 200);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text, "He said \"stop.\"");
  EXPECT_DOUBLE_EQ(out[0].complete_ms, 150);
}

TEST(SegmenterTiming, HardBreakCompletesWhenTheNewlineArrives) {
  Segmenter s;
  EXPECT_TRUE(push(s, "Title", 100).empty());
  const Sentences out = push(s, "\n", 180);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text, "Title");
  EXPECT_DOUBLE_EQ(out[0].complete_ms, 180);
}

TEST(SegmenterTiming, JapaneseTerminatorNeedsNoLookahead) {
  Segmenter s;
  const Sentences out = push(s, "これはペンです。", 50);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text, "これはペンです。");
  EXPECT_DOUBLE_EQ(out[0].complete_ms, 50);
  EXPECT_FALSE(s.has_pending());
}

TEST(SegmenterTiming, LateJapaneseCloserIsAbsorbedNotSpoken) {
  Segmenter s;
  Sentences out = push(s, "彼は「はい。", 10);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text, "彼は「はい。");
  out = push(s, "」と言った。", 20);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text, "と言った。");
}

TEST(SegmenterTiming, SeveralSentencesInOnePushShareItsTime) {
  Segmenter s;
  const Sentences out = push(s, "One. Two! Three? Four", 42);
  ASSERT_EQ(out.size(), 3u);
  for (const auto& sentence : out) EXPECT_DOUBLE_EQ(sentence.complete_ms, 42);
}

TEST(SegmenterTiming, FlushUsesTheFlushTime) {
  Segmenter s;
  push(s, "no terminator", 10);
  Sentences out;
  s.flush(99, &out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text, "no terminator");
  EXPECT_DOUBLE_EQ(out[0].complete_ms, 99);
  out.clear();
  s.flush(120, &out);  // nothing left
  EXPECT_TRUE(out.empty());
}

TEST(SegmenterPoll, FlushesOnlyAfterTheIdleTime) {
  SegmenterOptions o;
  o.idle_flush_ms = 1200;
  Segmenter s(o);
  push(s, "pending text", 1000);
  Sentences out;
  s.poll(2100, &out);
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(s.has_pending());
  s.poll(2200, &out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text, "pending text");
  EXPECT_DOUBLE_EQ(out[0].complete_ms, 2200);
  EXPECT_FALSE(s.has_pending());
}

TEST(SegmenterPoll, NewInputRestartsTheIdleClock) {
  SegmenterOptions o;
  o.idle_flush_ms = 1000;
  Segmenter s(o);
  push(s, "first part", 0);
  push(s, " second part", 900);
  Sentences out;
  s.poll(1500, &out);
  EXPECT_TRUE(out.empty());
  s.poll(1900, &out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text, "first part second part");
}

TEST(SegmenterPoll, DisabledOrNothingPending) {
  SegmenterOptions off;
  off.idle_flush_ms = 0;
  Segmenter s(off);
  push(s, "waiting", 0);
  Sentences out;
  s.poll(1e9, &out);
  EXPECT_TRUE(out.empty());

  Segmenter blank;
  push(blank, "Done.\n  ", 0);  // only blanks left
  EXPECT_FALSE(blank.has_pending());
  blank.poll(1e9, &out);
  EXPECT_TRUE(out.empty());
}

TEST(SegmenterPoll, PendingTerminatorIsFlushedByIdle) {
  // The last sentence of an answer often ends with "." and nothing after it: the idle rule is what
  // lets it out when no end-of-block event comes.
  Segmenter s;
  push(s, "All done.", 0);
  EXPECT_TRUE(s.has_pending());
  Sentences out;
  s.poll(1300, &out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text, "All done.");
}

TEST(SegmenterMaxBytes, CutPieceCompletesWithThePushOfItsLastByte) {
  SegmenterOptions o;
  o.max_bytes = 12;
  Segmenter s(o);
  EXPECT_TRUE(push(s, "aaaa bbbb ", 10).empty());
  const Sentences out = push(s, "cccc dddd", 20);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text, "aaaa bbbb");
  EXPECT_DOUBLE_EQ(out[0].complete_ms, 10);
}

TEST(SegmenterMaxBytes, NoSentenceExceedsTheLimit) {
  SegmenterOptions o;
  o.max_bytes = 40;
  std::string text;
  for (int i = 0; i < 200; ++i) text += (i % 7 == 0) ? "日本語のテキスト、" : "word ";
  Segmenter s(o);
  Sentences out;
  for (size_t i = 0; i < text.size(); i += 7) s.push(std::string_view(text).substr(i, 7), 0, &out);
  s.flush(0, &out);
  std::string joined;
  for (const auto& sentence : out) {
    EXPECT_LE(sentence.text.size(), 40u) << sentence.text;
    EXPECT_TRUE(utf8::is_valid(sentence.text)) << sentence.text;
    joined += sentence.text;
  }
  std::string expected_chars;
  for (char c : text) {
    if (c != ' ') expected_chars += c;
  }
  std::string got_chars;
  for (char c : joined) {
    if (c != ' ') got_chars += c;
  }
  EXPECT_EQ(got_chars, expected_chars);  // nothing lost or duplicated
}

TEST(SegmenterState, ResetDropsPendingText) {
  Segmenter s;
  push(s, "half a sent", 0);
  s.reset();
  EXPECT_FALSE(s.has_pending());
  Sentences out;
  s.push("New one.\n", 5, &out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text, "New one.");
}

TEST(SegmenterState, MovedSegmenterKeepsPendingText) {
  Segmenter a;
  push(a, "Hello wo", 0);
  Segmenter b = std::move(a);
  Sentences out;
  b.push("rld.\n", 1, &out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text, "Hello world.");
}

TEST(SegmenterInput, PartialCharacterAtFlushIsDropped) {
  Segmenter s;
  push(s, "abc \xE3\x81", 0);
  Sentences out;
  s.flush(1, &out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text, "abc");
}

TEST(SegmenterInput, SplitSentencesConvenience) {
  const auto v = split_sentences("One. Two.");
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0], "One.");
  EXPECT_EQ(v[1], "Two.");
}

TEST(SegmenterInput, LongStreamIsLinear) {
  Segmenter s;
  Sentences out;
  for (int i = 0; i < 100000; ++i) s.push("This is sentence number one. ", i, &out);
  s.flush(1, &out);
  EXPECT_EQ(out.size(), 100000u);
}

// Long runs right after a terminator ("....", closers, blanks) arriving byte by byte: bounded
// lookahead keeps this linear, and the sentences are those of the whole text.
TEST(SegmenterInput, LongRunsAfterTerminatorsAreLinear) {
  const std::vector<std::string> inputs = {
      "Wait" + std::string(100000, '.') + " Next.",
      "He said \"no." + std::string(100000, ')') + " Next.",
      "Bring pens, etc." + std::string(100000, ' ') + "Next.",
      "Hmm..." + std::string(100000, ' ') + "ok.",
  };
  for (const std::string& in : inputs) {
    SegmenterOptions o;
    o.max_bytes = 0;
    const std::vector<std::string> whole = split_sentences(in, o);
    Segmenter s(o);
    Sentences out;
    for (size_t i = 0; i < in.size(); ++i) s.push(std::string_view(in).substr(i, 1), 0, &out);
    s.flush(0, &out);
    std::vector<std::string> split;
    for (auto& sentence : out) split.push_back(sentence.text);
    EXPECT_EQ(split, whole) << in.substr(0, 20);
  }
}

// Random text: any split gives the same sentences (up to absorbed.h), each trimmed,
// non-empty and speakable.
TEST(SegmenterInput, RandomTextIsSplitInvariant) {
  static const std::vector<std::string> kAtoms = {
      "a", "Word", " ", "  ", "\n", ".", "..", "...", "!", "?", "\"", ")", "e.g.", "etc.", "Dr.",
      "No.", " 5", "3.14", "J.", "\xE2\x80\xA6", "\xE3\x80\x82", "\xE3\x80\x8D", "\xEF\xBC\x81",
      "\xE3\x81\x82", "\xE6\x97\xA5", ",", "\xE3\x80\x81", ";", "main.cpp", "\t", "\xE3\x80\x80"};
  // Broken UTF-8 (the segmenter must survive it; its output is then only as valid as its input).
  static const std::vector<std::string> kBroken = {"\xE3\x80", "\xFF", "\x80", "\xF0\x9F", "\xC3"};
  std::mt19937 rng(777);
  for (int iter = 0; iter < 4000; ++iter) {
    std::string in;
    const bool broken = iter % 2 == 1;
    const int atoms = std::uniform_int_distribution<int>(1, 50)(rng);
    for (int i = 0; i < atoms; ++i) {
      in += (broken && rng() % 5 == 0) ? kBroken[rng() % kBroken.size()] : kAtoms[rng() % kAtoms.size()];
    }
    SegmenterOptions o;
    o.max_bytes = 1 + rng() % 60;  // down to less than one character
    const std::vector<std::string> whole = split_sentences(in, o);
    for (const std::string& s : whole) {
      ASSERT_FALSE(s.empty());
      ASSERT_FALSE(text::is_ascii_space(s.front()) || text::is_ascii_space(s.back())) << s;
      ASSERT_TRUE(text::has_speakable(s)) << s;
      if (!broken) ASSERT_TRUE(utf8::is_valid(s)) << s;
    }
    Segmenter seg(o);
    Sentences out;
    for (size_t i = 0; i < in.size();) {
      const size_t n = std::min<size_t>(1 + rng() % 6, in.size() - i);
      seg.push(std::string_view(in).substr(i, n), 0, &out);
      i += n;
    }
    seg.flush(0, &out);
    std::vector<std::string> split;
    for (auto& s : out) split.push_back(s.text);
    ASSERT_EQ(golden::without_absorbed(split), golden::without_absorbed(whole)) << in;
  }
}

}  // namespace
}  // namespace stream_tts
