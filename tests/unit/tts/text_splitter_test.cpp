// split_for_synthesis: where long text is cut for Open JTalk, and that nothing is lost.
#include "tts/openjtalk/text_splitter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/utf8.h"

namespace stream_tts {
namespace {

std::string join(const std::vector<std::string>& pieces) {
  std::string out;
  for (const std::string& p : pieces) out += p;
  return out;
}

TEST(TextSplitterTest, ShortTextIsOnePiece) {
  const std::string text = "今日はいい天気ですね。明日も晴れるでしょう。";
  EXPECT_EQ(split_for_synthesis(text), std::vector<std::string>{text});
  EXPECT_EQ(split_for_synthesis(""), std::vector<std::string>{""});
}

TEST(TextSplitterTest, LongTextSplitsAfterSentenceEndsWithClosingQuotes) {
  const std::string text = "「はい。」と言った。本当？うん！Yes? No!次\n最後";
  const std::vector<std::string> want = {"「はい。」", "と言った。", "本当？", "うん！",
                                         "Yes?",       " No!",       "次\n",   "最後"};
  EXPECT_EQ(split_for_synthesis(text, 20), want);
}

TEST(TextSplitterTest, OverlongSentenceCutsAtTheLastCommaThatFits) {
  // 30 bytes per "あいうえお、" pair of clauses; the limit forces a cut after a comma.
  const std::string text = "あいうえお、かきくけこ、さしすせそ。";
  const std::vector<std::string> pieces = split_for_synthesis(text, 36);
  const std::vector<std::string> want = {"あいうえお、かきくけこ、", "さしすせそ。"};
  EXPECT_EQ(pieces, want);
}

TEST(TextSplitterTest, WithoutAnyBreakCutsAtCharacterBoundaries) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += "漢";
  const std::vector<std::string> pieces = split_for_synthesis(text, 31);
  EXPECT_EQ(join(pieces), text);
  for (const std::string& p : pieces) {
    EXPECT_LE(p.size(), 31u);
    EXPECT_TRUE(utf8::is_valid(p)) << "never inside a character";
  }
}

TEST(TextSplitterTest, KeepsEveryByteOfOddInput) {
  std::string text = "\xff\xfe\xe3\x81 abc 。";
  for (int i = 0; i < 50; ++i) text += "😀、";
  text += "\xe3";
  const std::vector<std::string> pieces = split_for_synthesis(text, 16);
  EXPECT_EQ(join(pieces), text);
  for (const std::string& p : pieces) EXPECT_LE(p.size(), 16u);
}

}  // namespace
}  // namespace stream_tts
