// The generic JSONL adapter: the string at a dotted path is a delta.
#include <gtest/gtest.h>

#include "input_test_support.h"

namespace stream_tts::test {
namespace {

std::vector<TextEvent> run_jsonl(const std::string& path, const std::vector<std::string>& lines,
                                 bool end = true) {
  InputOptions o;
  o.format = InputFormat::kJsonl;
  o.field_path = path;
  auto adapter = make_input_adapter(o);
  EXPECT_EQ(adapter->format(), InputFormat::kJsonl);
  return collect(adapter.get(), lines, end);
}

TEST(JsonlAdapter, DefaultFieldIsText) {
  const auto events = run_jsonl("text", {R"({"text":"Hello "})", R"({"text":"world."})"});
  EXPECT_EQ(spoken_text(events), "Hello world.");
  // Values join into one block: a token stream must not be cut at every line.
  EXPECT_EQ(kinds(events), "D B S");
  EXPECT_EQ(InputOptions{}.field_path, "text");
}

TEST(JsonlAdapter, NestedPath) {
  const auto events =
      run_jsonl("message.text", {R"({"id":1,"message":{"role":"bot","text":"Nested."}})",
                                 R"({"message":{"text":" Again."},"extra":[1,2]})"});
  EXPECT_EQ(spoken_text(events), "Nested. Again.");
}

TEST(JsonlAdapter, ArrayIndexInPath) {
  const std::vector<std::string> chunks = {
      R"({"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]})",
      R"({"id":"c1","choices":[{"index":0,"delta":{"content":"Stream"},"finish_reason":null}]})",
      R"({"id":"c1","choices":[{"index":0,"delta":{"content":"ing works."},"finish_reason":null}]})",
      R"({"id":"c1","choices":[{"index":0,"delta":{"content":null},"finish_reason":"stop"}]})",
      R"({"id":"c1","choices":[],"usage":{"total_tokens":12}})"};
  LogCapture capture;
  const auto events = run_jsonl("choices.0.delta.content", chunks);
  EXPECT_EQ(spoken_text(events), "Streaming works.");
  EXPECT_TRUE(capture.warnings.empty());
}

TEST(JsonlAdapter, NumericKeyOfAnObject) {
  EXPECT_EQ(spoken_text(run_jsonl("a.0", {R"({"a":{"0":"zero key"}})"})), "zero key");
}

TEST(JsonlAdapter, MissingOrNonStringFieldsAreSkippedSilently) {
  LogCapture capture;
  const auto events = run_jsonl(
      "text", {R"({"other":"x"})", R"({"text":42})", R"({"text":null})", R"({"text":{"a":1}})",
               R"([1,2])", R"("top-level string")", R"({"text":""})", R"({"text":"kept"})"});
  EXPECT_EQ(spoken_text(events), "kept");
  EXPECT_TRUE(capture.warnings.empty());
}

TEST(JsonlAdapter, EmptyPathMeansTheLineIsAString) {
  EXPECT_EQ(spoken_text(run_jsonl("", {R"("one ")", R"({"x":1})", R"("two")"})), "one two");
}

TEST(JsonlAdapter, MalformedLineWarnsOnceAndTheStreamGoesOn) {
  LogCapture capture;
  const auto events =
      run_jsonl("text", {R"({"text":"a"})", R"({"text":"b)", "", R"({"text":"c"})"});
  EXPECT_EQ(spoken_text(events), "ac");
  ASSERT_EQ(capture.warnings.size(), 1u);
  EXPECT_NE(capture.warnings[0].find("line 2"), std::string::npos) << capture.warnings[0];
}

TEST(JsonlAdapter, InvalidUtf8IsReplaced) {
  LogCapture capture;
  EXPECT_EQ(spoken_text(run_jsonl("text", {"{\"text\":\"x\xFFy\"}"})), "x\xEF\xBF\xBDy");
  EXPECT_EQ(capture.warnings.size(), 1u);
}

}  // namespace
}  // namespace stream_tts::test
