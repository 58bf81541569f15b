#include "tts/g2p/text_normalizer.h"

#include <gtest/gtest.h>

namespace stream_tts::g2p {
namespace {

// Expected values are misaki's JAG2P._normalize_text() on the same input.
TEST(TextNormalizer, MatchesMisaki) {
  EXPECT_EQ(normalize_for_g2p("3〜5"), " さんから ご");
  EXPECT_EQ(normalize_for_g2p("〜１０"), "から じゅう");  // the digit test comes before NFKC
  EXPECT_EQ(normalize_for_g2p("ｶﾀｶﾅとＡＢＣ１２３"), "カタカナとABC ひゃくにじゅうさん");
  EXPECT_EQ(normalize_for_g2p("ㇰㇱ"), "クシ");
  EXPECT_EQ(normalize_for_g2p("2023の"), " にせんにじゅうさんの");
  EXPECT_EQ(normalize_for_g2p("今日は晴れ。"), "今日は晴れ。");
  EXPECT_EQ(normalize_for_g2p("〜です"), "〜です");  // no digit after the wave dash
}

// Deliberate differences from misaki (docs/g2p.md).
TEST(TextNormalizer, NumbersWithSeparatorsAndDecimals) {
  EXPECT_EQ(normalize_for_g2p("1,000円"), " せん円");  // misaki: " いち, ゼロ円"
  EXPECT_EQ(normalize_for_g2p("12,345,678"),
            " いっせんにひゃくさんじゅうよんまんごせんろっぴゃくななじゅうはち");
  EXPECT_EQ(normalize_for_g2p("1,2"), " いち, に");  // not a thousands group: as misaki
  EXPECT_EQ(normalize_for_g2p("3.14"), " さん テン イチ ヨン");
  EXPECT_EQ(normalize_for_g2p("v1."), "v いち.");
}

TEST(TextNormalizer, CountersAndUnitsKeepTheirDigitsForOpenJTalk) {
  EXPECT_EQ(normalize_for_g2p("2つ"), " 2つ");
  EXPECT_EQ(normalize_for_g2p("2022年"), " 2022年");
  EXPECT_EQ(normalize_for_g2p("10%"), " 10%");
  EXPECT_EQ(normalize_for_g2p("2,000人"), " 2,000人");
  EXPECT_EQ(normalize_for_g2p("10.5%"), " 10.5%");
  EXPECT_EQ(normalize_for_g2p("3分の1"), " 3分の 1");  // the numerator of a fraction too
  EXPECT_EQ(normalize_for_g2p("5kg"), " 5キログラム");
  EXPECT_EQ(normalize_for_g2p("30℃"), " 30度");  // NFKC: ℃ -> °C
  EXPECT_EQ(normalize_for_g2p("5m先"), " 5メートル先");
  EXPECT_EQ(normalize_for_g2p("10min"), " じゅうmin");  // not a unit: m runs into more letters
  EXPECT_EQ(normalize_for_g2p("100円"), " ひゃく円");   // misaki reads these right
}

TEST(TextNormalizer, InvalidUtf8IsReplaced) {
  EXPECT_EQ(normalize_for_g2p("a\xff"), "a\xEF\xBF\xBD");
}

}  // namespace
}  // namespace stream_tts::g2p
