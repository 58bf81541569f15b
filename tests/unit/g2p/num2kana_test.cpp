#include "tts/g2p/num2kana.h"

#include <gtest/gtest.h>

#include <utility>

namespace stream_tts::g2p {
namespace {

// What misaki 0.7.4's num2kana.Convert() returns for these (checked with the Python package).
TEST(Num2Kana, MatchesMisakiConvert) {
  const std::pair<const char*, const char*> cases[] = {
      {"0", "ゼロ"},
      {"7", "なな"},
      {"10", "じゅう"},
      {"11", "じゅういち"},
      {"20", "にじゅう"},
      {"35", "さんじゅうご"},
      {"100", "ひゃく"},
      {"101", "ひゃくいち"},
      {"110", "ひゃくじゅう"},
      {"300", "さんびゃく"},
      {"620", "ろっぴゃくにじゅう"},
      {"1000", "せん"},
      {"1001", "せんいち"},
      {"1010", "せんじゅう"},
      {"3000", "さんぜん"},
      {"8000", "はっせん"},
      {"2023", "にせんにじゅうさん"},
      {"10000", "いちまん"},
      {"12345", "いちまんにせんさんびゃくよんじゅうご"},
      {"100000", "じゅうまん"},
      {"1000000", "ひゃくまん"},
      {"12345678", "いっせんにひゃくさんじゅうよんまんごせんろっぴゃくななじゅうはち"},
      {"100000000", "いちおく"},
      {"123456789", "いちおくにせんさんびゃくよんじゅうごまんろくせんななひゃくはちじゅうきゅう"},
      {"100010001", "いちおくいちまんいち"},
      {"007", "なな"},
      {"1,000", "せん"},
  };
  for (const auto& [digits, kana] : cases) EXPECT_EQ(number_to_kana(digits), kana) << digits;
}

// Convert() gives up past 9 digits; these readings are ours (docs/g2p.md).
TEST(Num2Kana, LongNumbersAreReadWithOkuOrDigitByDigit) {
  EXPECT_EQ(number_to_kana("1000000000"), "じゅうおく");
  EXPECT_EQ(number_to_kana("123400005678"),
            "いっせんにひゃくさんじゅうよんおくごせんろっぴゃくななじゅうはち");
  EXPECT_EQ(number_to_kana("09012345678"), "ゼロ キュー ゼロ イチ ニ サン ヨン ゴ ロク ナナ ハチ");
  EXPECT_EQ(number_to_kana("1234567890123"),
            "イチ ニ サン ヨン ゴ ロク ナナ ハチ キュー ゼロ イチ ニ サン");
}

TEST(Num2Kana, Decimals) {
  EXPECT_EQ(decimal_to_kana("3", "14"), "さん テン イチ ヨン");
  EXPECT_EQ(decimal_to_kana("0", "5"), "ゼロ テン ゴ");
  EXPECT_EQ(decimal_to_kana("10", "5"), "じゅっ テン ゴ");  // split_Point()'s small tsu
  EXPECT_EQ(decimal_to_kana("100", "5"), "ひゃく テン ゴ");
}

}  // namespace
}  // namespace stream_tts::g2p
