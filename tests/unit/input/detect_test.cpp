// kAuto: the first non-blank line picks the adapter; nothing before the decision is lost.
#include <gtest/gtest.h>

#include "claude_lines.h"
#include "input_test_support.h"

namespace stream_tts::test {
namespace {

std::unique_ptr<InputAdapter> auto_adapter() {
  InputOptions o;  // format defaults to kAuto
  EXPECT_EQ(o.format, InputFormat::kAuto);
  return make_input_adapter(o);
}

InputFormat detected(const std::vector<std::string>& lines) {
  auto adapter = auto_adapter();
  std::vector<TextEvent> events;
  for (size_t i = 0; i < lines.size(); ++i) adapter->on_line(lines[i], i + 1, 0, &events);
  return adapter->format();
}

TEST(DetectFormat, ClaudeCodeLines) {
  EXPECT_EQ(detected({claude::system_init()}), InputFormat::kClaude);
  EXPECT_EQ(detected({claude::message_start("m")}), InputFormat::kClaude);
  EXPECT_EQ(detected({claude::assistant("m", claude::text_block("x"))}), InputFormat::kClaude);
  EXPECT_EQ(detected({claude::result()}), InputFormat::kClaude);
  EXPECT_EQ(detected({claude::user_tool_result("t")}), InputFormat::kClaude);
}

TEST(DetectFormat, OtherJsonIsJsonl) {
  EXPECT_EQ(detected({R"({"text":"hi"})"}), InputFormat::kJsonl);
  EXPECT_EQ(detected({R"({"type":"message","text":"hi"})"}), InputFormat::kJsonl);
  EXPECT_EQ(detected({R"(  [1, 2])"}), InputFormat::kJsonl);
}

TEST(DetectFormat, AnythingElseIsText) {
  EXPECT_EQ(detected({"Hello there."}), InputFormat::kText);
  EXPECT_EQ(detected({"42"}), InputFormat::kText);
  EXPECT_EQ(detected({R"("a json string")"}), InputFormat::kText);
}

TEST(DetectFormat, UndecidedUntilTheFirstNonBlankLine) {
  auto adapter = auto_adapter();
  std::vector<TextEvent> events;
  EXPECT_EQ(adapter->format(), InputFormat::kAuto);
  adapter->on_line("", 1, 0, &events);
  adapter->on_line("   ", 2, 0, &events);
  EXPECT_EQ(adapter->format(), InputFormat::kAuto);
  adapter->on_line(claude::system_init(), 3, 0, &events);
  EXPECT_EQ(adapter->format(), InputFormat::kClaude);
}

TEST(DetectFormat, LinesBeforeTheDecisionAreNotLost) {
  // A truncated first line decides nothing; the next one does, and both are replayed.
  LogCapture capture;
  auto adapter = auto_adapter();
  const std::vector<std::string> lines = {
      R"({"type":"assistant","message":{"id":"m0","content":[{"ty)",
      claude::assistant("m1", claude::text_block("Kept.")), claude::result()};
  const auto events = collect(adapter.get(), lines);
  EXPECT_EQ(adapter->format(), InputFormat::kClaude);
  EXPECT_EQ(spoken_text(events), "Kept.");
  ASSERT_EQ(capture.warnings.size(), 1u);  // the truncated line, reported by the Claude adapter
  EXPECT_NE(capture.warnings[0].find("line 1"), std::string::npos);
}

TEST(DetectFormat, TextFirstLineIsSpoken) {
  auto adapter = auto_adapter();
  const auto events = collect(adapter.get(), {"", "First.", "Second."});
  EXPECT_EQ(adapter->format(), InputFormat::kText);
  EXPECT_EQ(spoken_text(events), "First.\nSecond.\n");
}

TEST(DetectFormat, BrokenJsonThenTextIsText) {
  auto adapter = auto_adapter();
  const auto events = collect(adapter.get(), {"[link](http://x)", "plain words"});
  EXPECT_EQ(adapter->format(), InputFormat::kText);
  EXPECT_EQ(spoken_text(events), "[link](http://x)\nplain words\n");
}

TEST(DetectFormat, EndOfInputBeforeADecisionFallsBackToText) {
  auto adapter = auto_adapter();
  const auto events = collect(adapter.get(), {"{ not json"});
  EXPECT_EQ(adapter->format(), InputFormat::kText);
  EXPECT_EQ(spoken_text(events), "{ not json\n");

  auto empty = auto_adapter();
  EXPECT_EQ(kinds(collect(empty.get(), {})), "S");
  EXPECT_EQ(empty->format(), InputFormat::kText);
}

TEST(DetectFormat, ByteOrderMarkIsIgnored) {
  EXPECT_EQ(detected({"\xEF\xBB\xBF" + claude::system_init()}), InputFormat::kClaude);
}

TEST(DetectFormat, GivesUpOnEndlessBrokenJson) {
  std::vector<std::string> lines(40, "{\"broken\":");
  EXPECT_EQ(detected(lines), InputFormat::kText);
}

TEST(InputFormatNames, RoundTrip) {
  for (InputFormat f :
       {InputFormat::kAuto, InputFormat::kClaude, InputFormat::kText, InputFormat::kJsonl}) {
    InputFormat parsed = InputFormat::kAuto;
    ASSERT_TRUE(parse_input_format(input_format_name(f), &parsed));
    EXPECT_EQ(parsed, f);
  }
  InputFormat out = InputFormat::kText;
  EXPECT_FALSE(parse_input_format("yaml", &out));
  EXPECT_FALSE(parse_input_format("", &out));
  EXPECT_EQ(out, InputFormat::kText);
  EXPECT_STREQ(input_format_name(InputFormat::kClaude), "claude");
}

}  // namespace
}  // namespace stream_tts::test
