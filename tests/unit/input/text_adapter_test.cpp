// The plain text adapter: a line is a delta, a blank line ends the block.
#include <gtest/gtest.h>

#include "input_test_support.h"

namespace stream_tts::test {
namespace {

std::vector<TextEvent> run_text(const std::vector<std::string>& lines, bool end = true) {
  InputOptions o;
  o.format = InputFormat::kText;
  auto adapter = make_input_adapter(o);
  EXPECT_EQ(adapter->format(), InputFormat::kText);
  return collect(adapter.get(), lines, end);
}

TEST(TextAdapter, EachLineIsADeltaWithItsNewline) {
  const auto events = run_text({"First line.", "Second line."}, false);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, TextEventKind::kDelta);
  EXPECT_EQ(events[0].text, "First line.\n");
  EXPECT_EQ(events[1].text, "Second line.\n");
}

TEST(TextAdapter, BlankLineEndsTheBlockOnce) {
  const auto events = run_text({"One.", "", "  \t", "", "Two."});
  EXPECT_EQ(kinds(events), "D B D B S");
  EXPECT_EQ(spoken_text(events), "One.\nTwo.\n");
}

TEST(TextAdapter, EndClosesTheBlockAndTheSession) {
  EXPECT_EQ(kinds(run_text({"Unfinished"})), "D B S");
  EXPECT_EQ(kinds(run_text({})), "S");
  EXPECT_EQ(kinds(run_text({"Done.", ""})), "D B S");
}

TEST(TextAdapter, CarriageReturnIsDropped) {
  EXPECT_EQ(spoken_text(run_text({"Windows line\r"})), "Windows line\n");
}

TEST(TextAdapter, JsonLooksLikeTextToIt) {
  EXPECT_EQ(spoken_text(run_text({R"({"type":"assistant"})"})), "{\"type\":\"assistant\"}\n");
}

TEST(TextAdapter, InvalidUtf8IsReplacedAndReportedOnce) {
  LogCapture capture;
  const auto events = run_text({"caf\xE9", "na\xEFve", "ok"});
  EXPECT_EQ(spoken_text(events), "caf\xEF\xBF\xBD\nna\xEF\xBF\xBDve\nok\n");
  ASSERT_EQ(capture.warnings.size(), 1u);
  EXPECT_NE(capture.warnings[0].find("line 1"), std::string::npos);
}

}  // namespace
}  // namespace stream_tts::test
