// The JSON line helper: repairs that keep one bad character from losing a whole line.
#include "input/json_line.h"

#include <gtest/gtest.h>

#include <string>

namespace stream_tts::input {
namespace {

std::string repaired(std::string s) {
  repair_lone_surrogates(&s);
  return s;
}

TEST(RepairLoneSurrogates, ReplacesOnlyUnpairedOnes) {
  EXPECT_EQ(repaired(R"("a\ud83db")"), R"("a\ufffdb")");
  EXPECT_EQ(repaired(R"("\ude00")"), R"("\ufffd")");
  EXPECT_EQ(repaired(R"("\ud83d\ude00")"), R"("\ud83d\ude00")");  // a valid pair
  EXPECT_EQ(repaired(R"("\ud83d\ud83d\ude00")"), R"("\ufffd\ud83d\ude00")");
  EXPECT_EQ(repaired(R"("\\ud83d")"), R"("\\ud83d")");            // an escaped backslash, then text
  EXPECT_EQ(repaired(R"("\u00e9\n\ud8")"), R"("\u00e9\n\ud8")");  // too short to be an escape
  std::string unchanged = R"({"a":"plain"})";
  EXPECT_FALSE(repair_lone_surrogates(&unchanged));
}

TEST(JsonLineParser, ReusesItsBufferAcrossLinesOfAnySize) {
  JsonLineParser parser;
  simdjson::dom::element root;
  bool repaired_flag = true;
  const std::string big = R"({"text":")" + std::string(100000, 'x') + R"("})";
  for (const std::string& line :
       {std::string(R"({"text":"a"})"), big, std::string(R"({"text":"b"})")}) {
    ASSERT_EQ(parser.parse(line, &root, &repaired_flag), simdjson::SUCCESS);
    EXPECT_FALSE(repaired_flag);
    std::string_view text;
    ASSERT_TRUE(get_string(root, "text", &text));
    EXPECT_EQ(text.size(), line.size() - 11);  // {"text":" and "}
  }
}

TEST(JsonLineParser, RepairsInvalidUtf8AndReportsIt) {
  JsonLineParser parser;
  simdjson::dom::element root;
  bool repaired_flag = false;
  ASSERT_EQ(parser.parse("{\"t\":\"\xC0\xAF\"}", &root, &repaired_flag), simdjson::SUCCESS);
  EXPECT_TRUE(repaired_flag);
  std::string_view text;
  ASSERT_TRUE(get_string(root, "t", &text));
  EXPECT_EQ(text, "\xEF\xBF\xBD\xEF\xBF\xBD");  // an overlong encoding: two bad bytes
}

TEST(JsonLineParser, MalformedStaysMalformed) {
  JsonLineParser parser;
  simdjson::dom::element root;
  bool repaired_flag = false;
  EXPECT_NE(parser.parse(R"({"a":)", &root, &repaired_flag), simdjson::SUCCESS);
  EXPECT_NE(parser.parse("", &root, &repaired_flag), simdjson::SUCCESS);
  EXPECT_NE(parser.parse("{\"a\":\"\xFF\"", &root, &repaired_flag), simdjson::SUCCESS);
}

}  // namespace
}  // namespace stream_tts::input
