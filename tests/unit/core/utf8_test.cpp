#include "core/utf8.h"

#include <gtest/gtest.h>

namespace stream_tts::utf8 {
namespace {

TEST(Utf8, ValidTextIsUnchanged) {
  EXPECT_EQ(sanitize("hello"), "hello");
  EXPECT_EQ(sanitize("今日はいい天気"), "今日はいい天気");
  EXPECT_EQ(sanitize("emoji 😀 ok"), "emoji 😀 ok");
}

TEST(Utf8, InvalidBytesBecomeReplacementCharacters) {
  EXPECT_EQ(sanitize("a\xff" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(sanitize("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");             // overlong '/'
  EXPECT_EQ(sanitize("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(sanitize("x\xE3\x81"), "x\xEF\xBF\xBD\xEF\xBF\xBD");             // truncated
  EXPECT_TRUE(is_valid(sanitize("\xF4\x90\x80\x80 \xfe")));
}

TEST(Utf8, CompletePrefixStopsBeforeASplitCharacter) {
  const std::string ja = "あい";  // 3 bytes each
  EXPECT_EQ(complete_prefix(ja), 6u);
  EXPECT_EQ(complete_prefix(ja.substr(0, 5)), 3u);
  EXPECT_EQ(complete_prefix(ja.substr(0, 4)), 3u);
  EXPECT_EQ(complete_prefix("ab"), 2u);
  EXPECT_EQ(complete_prefix(""), 0u);
  EXPECT_EQ(complete_prefix("\xF0\x9F\x98"), 0u);
}

TEST(Utf8, DecodeAndAppendRoundTrip) {
  const std::string text = "aé漢😀";
  std::string back;
  for (size_t pos = 0; pos < text.size();) append(&back, decode(text, &pos));
  EXPECT_EQ(back, text);
}

TEST(Utf8, LooksJapanese) {
  EXPECT_TRUE(looks_japanese("今日はいい天気ですね。"));
  EXPECT_TRUE(looks_japanese("カタカナ"));
  EXPECT_TRUE(looks_japanese("漢字"));
  EXPECT_FALSE(looks_japanese("Hello, world."));
  EXPECT_FALSE(looks_japanese("안녕하세요 漢字"));
  EXPECT_TRUE(looks_japanese("Run `make` してください"));
}

}  // namespace
}  // namespace stream_tts::utf8
