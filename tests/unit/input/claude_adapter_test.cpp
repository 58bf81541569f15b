// The Claude Code stream-json adapter: what is spoken, exactly once, and where blocks end.
#include <gtest/gtest.h>

#include "claude_lines.h"
#include "input_test_support.h"

namespace stream_tts::test {
namespace {

using namespace claude;  // NOLINT(google-build-using-namespace): line builders

InputOptions claude_options(bool announce = false) {
  InputOptions o;
  o.format = InputFormat::kClaude;
  o.announce_tools = announce;
  return o;
}

std::vector<TextEvent> run(const std::vector<std::string>& lines, bool announce = false,
                           bool end = true) {
  auto adapter = make_input_adapter(claude_options(announce));
  EXPECT_EQ(adapter->format(), InputFormat::kClaude);
  return collect(adapter.get(), lines, end);
}

TEST(ClaudeAdapter, PlainVerboseSpeaksTextBlocksOfAssistantMessages) {
  const auto events =
      run({system_init(), assistant("msg_1", text_block("Let me look.")),
           assistant("msg_1", tool_block("toolu_1", "Bash")), user_tool_result("toolu_1"),
           assistant("msg_2", text_block("All good.")), result("All good.")});
  EXPECT_EQ(spoken_text(events), "Let me look.All good.");
  // Each text block ends at once; a message ends when the next line shows it is over.
  EXPECT_EQ(kinds(events), "D B M D B M S");
}

TEST(ClaudeAdapter, EventsCarryTheTimeOfTheLine) {
  auto adapter = make_input_adapter(claude_options());
  std::vector<TextEvent> events;
  adapter->on_line(assistant("msg_1", text_block("Hi.")), 1, 12.5, &events);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.front().t_ms, 12.5);
}

TEST(ClaudeAdapter, PartialMessagesThenFullMessageSpokenOnce) {
  std::vector<std::string> lines{system_init(), message_start("msg_1")};
  append(&lines, streamed_text(0, {"Hello", " wor", "ld. ", "How are", " you?"}));
  lines.push_back(assistant("msg_1", text_block("Hello world. How are you?")));
  lines.push_back(message_delta());
  lines.push_back(message_stop());
  lines.push_back(result());
  const auto events = run(lines);
  EXPECT_EQ(spoken_text(events), "Hello world. How are you?");
  EXPECT_EQ(kinds(events), "D B M S");
  // Text arrives as the deltas do, not in one piece at the end.
  EXPECT_EQ(count_kind(events, TextEventKind::kDelta), 5u);
}

TEST(ClaudeAdapter, FullMessageBeforeBlockStopDoesNotEndOrRepeatTheBlock) {
  std::vector<std::string> lines{message_start("msg_1")};
  append(&lines, streamed_text(0, {"One.", " Two."}, /*stop=*/false));
  lines.push_back(assistant("msg_1", text_block("One. Two.")));
  const auto before_stop = run(lines, false, false);
  EXPECT_EQ(kinds(before_stop), "D");  // the block is still streaming

  lines.push_back(block_stop(0));
  lines.push_back(message_stop());
  const auto events = run(lines);
  EXPECT_EQ(spoken_text(events), "One. Two.");
  EXPECT_EQ(kinds(events), "D B M S");
}

TEST(ClaudeAdapter, FullMessagesAfterMessageStopAreIgnored) {
  std::vector<std::string> lines{message_start("msg_1")};
  append(&lines, streamed_text(0, {"Checking."}));
  lines.push_back(tool_block_start(1, "toolu_1", "Bash"));
  lines.push_back(json_delta(1, R"({"command":)"));
  lines.push_back(json_delta(1, R"("ls"})"));
  lines.push_back(block_stop(1));
  lines.push_back(message_delta("tool_use"));
  lines.push_back(message_stop());
  lines.push_back(assistant("msg_1", text_block("Checking.")));
  lines.push_back(assistant("msg_1", tool_block("toolu_1", "Bash")));
  lines.push_back(user_tool_result("toolu_1"));
  const auto events = run(lines);
  EXPECT_EQ(spoken_text(events), "Checking.");
  EXPECT_EQ(kinds(events), "D B M S");
}

TEST(ClaudeAdapter, FullMessageWithoutDeltasIsSpokenWhole) {
  // Partial messages on, but the text block's stream events never came (lost or filtered).
  const auto events = run({message_start("msg_1"), message_stop(),
                           assistant("msg_1", text_block("Only in the full message.")), result()});
  EXPECT_EQ(spoken_text(events), "Only in the full message.");
  EXPECT_EQ(kinds(events), "M D B S");
}

TEST(ClaudeAdapter, PartialDeltasAreCompletedByTheFullMessage) {
  // A stalled stream: one delta, then the full message and the result, no stop events.
  std::vector<std::string> lines{message_start("msg_1")};
  append(&lines, streamed_text(0, {"Hel"}, /*stop=*/false));
  lines.push_back(assistant("msg_1", text_block("Hello world. Bye.")));
  lines.push_back(result());
  const auto events = run(lines);
  EXPECT_EQ(spoken_text(events), "Hello world. Bye.");
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events[0].text, "Hel");
  EXPECT_EQ(events[1].text, "lo world. Bye.");
  EXPECT_EQ(kinds(events), "D B M S");
}

TEST(ClaudeAdapter, DeltasAfterAnEarlyFullMessageAddOnlyWhatIsNew) {
  std::vector<std::string> lines{message_start("msg_1"),
                                 block_start(0, "text"),
                                 text_delta(0, "Hello"),
                                 assistant("msg_1", text_block("Hello world.")),
                                 text_delta(0, " wor"),
                                 text_delta(0, "ld."),
                                 text_delta(0, " Extra."),
                                 block_stop(0),
                                 message_stop()};
  const auto events = run(lines);
  EXPECT_EQ(spoken_text(events), "Hello world. Extra.");
  EXPECT_EQ(kinds(events), "D B M S");
}

TEST(ClaudeAdapter, ThinkingBeforeTextShiftsTheStreamIndex) {
  // Claude Code writes one assistant line per block, each with content index 0, while the
  // stream puts the thinking block at 0 and the text at 1: dedup must not go by position.
  std::vector<std::string> lines{message_start("msg_1"), block_start(0, "thinking"),
                                 thinking_delta(0, "The user wants a summary."), block_stop(0),
                                 assistant("msg_1", thinking_block("The user wants a summary."))};
  append(&lines, streamed_text(1, {"Here is ", "the summary."}));
  lines.push_back(assistant("msg_1", text_block("Here is the summary.")));
  lines.push_back(message_stop());
  lines.push_back(result());
  const auto events = run(lines);
  EXPECT_EQ(spoken_text(events), "Here is the summary.");
  EXPECT_EQ(kinds(events), "D B M S");
}

TEST(ClaudeAdapter, AllBlocksInOneAssistantLine) {
  const std::string blocks = thinking_block("hmm") + "," + text_block("First.") + "," +
                             tool_block("toolu_1", "Read") + "," + text_block("Second.");
  // Without partial messages: both texts, each its own block.
  auto events = run({assistant("msg_1", blocks), result()});
  EXPECT_EQ(spoken_text(events), "First.Second.");
  EXPECT_EQ(kinds(events), "D B D B M S");

  // With partial messages: nothing is repeated.
  std::vector<std::string> lines{message_start("msg_1"), block_start(0, "thinking"),
                                 thinking_delta(0, "hmm"), block_stop(0)};
  append(&lines, streamed_text(1, {"First."}));
  lines.push_back(tool_block_start(2, "toolu_1", "Read"));
  lines.push_back(block_stop(2));
  append(&lines, streamed_text(3, {"Sec", "ond."}));
  lines.push_back(message_stop());
  lines.push_back(assistant("msg_1", blocks));
  events = run(lines);
  EXPECT_EQ(spoken_text(events), "First.Second.");
  EXPECT_EQ(kinds(events), "D B D B M S");
}

TEST(ClaudeAdapter, IdenticalTextsInSeparateBlocksAreEachSpokenOnce) {
  std::vector<std::string> lines{message_start("msg_1")};
  append(&lines, streamed_text(0, {"OK."}));
  lines.push_back(assistant("msg_1", text_block("OK.")));
  append(&lines, streamed_text(1, {"OK."}));
  lines.push_back(assistant("msg_1", text_block("OK.")));
  lines.push_back(message_stop());
  const auto events = run(lines);
  EXPECT_EQ(spoken_text(events), "OK.OK.");
  EXPECT_EQ(kinds(events), "D B D B M S");
}

TEST(ClaudeAdapter, EmptyTextBlockDoesNotUseUpAStreamedBlock) {
  std::vector<std::string> lines{message_start("msg_1")};
  append(&lines, streamed_text(0, {"Real text."}, /*stop=*/false));
  lines.push_back(assistant("msg_1", text_block("")));
  lines.push_back(block_stop(0));
  lines.push_back(assistant("msg_1", text_block("Real text.")));
  lines.push_back(message_stop());
  EXPECT_EQ(spoken_text(run(lines)), "Real text.");
}

TEST(ClaudeAdapter, FullTextThatDisagreesWithTheDeltasIsSpokenAsNew) {
  // Not expected from Claude Code; documented behaviour: text never streamed is new text.
  std::vector<std::string> lines{message_start("msg_1")};
  append(&lines, streamed_text(0, {"Streamed text."}));
  lines.push_back(assistant("msg_1", text_block("Different text.")));
  lines.push_back(message_stop());
  const auto events = run(lines);
  EXPECT_EQ(spoken_text(events), "Streamed text.Different text.");
  EXPECT_EQ(kinds(events), "D B D B M S");
}

TEST(ClaudeAdapter, LostMessageStartStillDeduplicates) {
  std::vector<std::string> lines;
  append(&lines, streamed_text(0, {"No start ", "line."}));
  lines.push_back(assistant("msg_9", text_block("No start line.")));
  lines.push_back(message_stop());
  lines.push_back(result());
  const auto events = run(lines);
  EXPECT_EQ(spoken_text(events), "No start line.");
  EXPECT_EQ(kinds(events), "D B M S");
}

TEST(ClaudeAdapter, LateFullMessageDoesNotDisturbTheNextStream) {
  std::vector<std::string> lines{message_start("msg_1")};
  append(&lines, streamed_text(0, {"First message."}));
  lines.push_back(message_stop());
  lines.push_back(message_start("msg_2"));
  lines.push_back(block_start(0, "text"));
  lines.push_back(text_delta(0, "Second "));
  lines.push_back(assistant("msg_1", text_block("First message.")));  // late, out of order
  lines.push_back(text_delta(0, "message."));
  lines.push_back(block_stop(0));
  lines.push_back(message_stop());
  lines.push_back(assistant("msg_2", text_block("Second message.")));
  const auto events = run(lines);
  EXPECT_EQ(spoken_text(events), "First message.Second message.");
  EXPECT_EQ(kinds(events), "D B M D B M S");
}

TEST(ClaudeAdapter, NothingButTextIsSpoken) {
  std::vector<std::string> lines{
      system_init(),
      R"({"type":"system","subtype":"compact_boundary","session_id":"s1","uuid":"u9"})",
      message_start("msg_1"),
      block_start(0, "thinking"),
      thinking_delta(0, "secret reasoning"),
      delta(0, "signature_delta", "signature", "EqQBCkYIBxgC"),
      block_stop(0),
      tool_block_start(1, "toolu_1", "Bash"),
      json_delta(1, R"({"command":"rm -rf build"})"),
      block_stop(1),
      message_stop(),
      assistant("msg_1", thinking_block("secret reasoning")),
      assistant("msg_1", tool_block("toolu_1", "Bash")),
      assistant("msg_1", R"({"type":"redacted_thinking","data":"EmwKAhgBEgy3va3pzix"})"),
      user_tool_result("toolu_1"),
      R"({"type":"user","message":{"role":"user","content":"a plain user prompt"},"session_id":"s1"})",
      R"({"type":"rate_limit_event","rate_limit_info":{"status":"allowed"},"uuid":"u5","session_id":"s1"})",
      R"({"type":"some_future_type","text":"not this either"})",
      result("the final result text is not spoken again")};
  const auto events = run(lines);
  EXPECT_EQ(spoken_text(events), "");
  EXPECT_EQ(count_kind(events, TextEventKind::kSessionEnd), 1u);
}

TEST(ClaudeAdapter, UnknownFieldsAreIgnored) {
  const std::string line =
      R"({"type":"assistant","future":{"x":[1,2,{"y":null}]},"message":{"id":"msg_1","content":[)"
      R"({"type":"text","text":"Still spoken.","citations":null,"new_field":true}],"extra":1},)"
      R"("parent_tool_use_id":null})";
  EXPECT_EQ(spoken_text(run({line})), "Still spoken.");
}

TEST(ClaudeAdapter, SubagentMessagesAreNotSpoken) {
  const std::string task = "toolu_task";
  std::vector<std::string> lines{assistant("msg_1", text_block("Delegating.")),
                                 assistant("msg_1", tool_block(task, "Task")),
                                 message_start("msg_sub", task),
                                 block_start(0, "text", task),
                                 text_delta(0, "subagent streaming", task),
                                 block_stop(0, task),
                                 message_stop(task),
                                 assistant("msg_sub", text_block("subagent report"), task),
                                 user_tool_result("toolu_sub", task),
                                 user_tool_result(task),
                                 assistant("msg_2", text_block("Summary.")),
                                 result()};
  const auto events = run(lines);
  EXPECT_EQ(spoken_text(events), "Delegating.Summary.");
  EXPECT_EQ(kinds(events), "D B M D B M S");
}

TEST(ClaudeAdapter, AnnounceToolsStreamed) {
  std::vector<std::string> lines{message_start("msg_1")};
  append(&lines, streamed_text(0, {"Listing files."}));
  lines.push_back(tool_block_start(1, "toolu_1", "Bash"));
  lines.push_back(json_delta(1, R"({"command":"ls"})"));
  lines.push_back(block_stop(1));
  lines.push_back(assistant("msg_1", text_block("Listing files.")));
  lines.push_back(assistant("msg_1", tool_block("toolu_1", "Bash")));  // announced already
  lines.push_back(message_stop());
  const auto events = run(lines, /*announce=*/true);
  EXPECT_EQ(spoken_text(events), "Listing files.Running Bash.");
  EXPECT_EQ(kinds(events), "D B D B M S");
  EXPECT_EQ(spoken_text(run(lines, /*announce=*/false)), "Listing files.");
}

TEST(ClaudeAdapter, AnnounceToolsFromFullMessages) {
  const auto events = run({assistant("msg_1", text_block("Checking.")),
                           assistant("msg_1", tool_block("toolu_1", "Read")),
                           assistant("msg_1", tool_block("toolu_2", "mcp__github__create_issue")),
                           assistant("msg_1", R"({"type":"tool_use","id":"toolu_3","input":{}})"),
                           user_tool_result("toolu_1")},
                          /*announce=*/true);
  EXPECT_EQ(spoken_text(events), "Checking.Running Read.Running create_issue.Running a tool.");
  EXPECT_EQ(kinds(events), "D B D B D B D B M S");
}

TEST(ClaudeAdapter, MalformedLineWarnsOnceWithItsLineNumberAndTheStreamGoesOn) {
  LogCapture capture;
  auto adapter = make_input_adapter(claude_options());
  std::vector<TextEvent> events;
  adapter->on_line(assistant("msg_1", text_block("Before.")), 1, 0, &events);
  adapter->on_line("", 2, 0, &events);
  adapter->on_line(R"({"type":"assistant","message":{"id":"msg_2","content":[{"type":"te)", 3, 0,
                   &events);
  adapter->on_line(assistant("msg_3", text_block("After.")), 4, 0, &events);
  adapter->on_end(0, &events);
  ASSERT_EQ(capture.warnings.size(), 1u);
  EXPECT_NE(capture.warnings[0].find("line 3"), std::string::npos) << capture.warnings[0];
  EXPECT_EQ(spoken_text(events), "Before.After.");
}

TEST(ClaudeAdapter, ManyMalformedLinesAreCappedInTheLog) {
  LogCapture capture;
  auto adapter = make_input_adapter(claude_options());
  std::vector<TextEvent> events;
  for (uint64_t i = 1; i <= 100; ++i) adapter->on_line("not json at all", i, 0, &events);
  // 20 line warnings plus one saying that the rest goes to the debug level.
  EXPECT_EQ(capture.warnings.size(), 21u);
}

TEST(ClaudeAdapter, InvalidUtf8IsReplaced) {
  LogCapture capture;
  std::string line = assistant("msg_1", text_block("Caf_ ok"));
  line.replace(line.find("Caf_") + 3, 1, "\xE9");  // a Latin-1 byte
  std::string broken_delta = text_delta(0, "bad \x01 byte");
  broken_delta.replace(broken_delta.find("\\u0001"), 6, "\xC3\x28");  // invalid 2-byte sequence
  auto events = run({line});
  EXPECT_EQ(spoken_text(events), "Caf\xEF\xBF\xBD ok");
  events = run({message_start("m"), block_start(0, "text"), broken_delta, block_stop(0)});
  EXPECT_EQ(spoken_text(events), "bad \xEF\xBF\xBD( byte");
  EXPECT_EQ(capture.warnings.size(), 2u);  // once per adapter
}

TEST(ClaudeAdapter, LoneSurrogateEscapeIsReplaced) {
  std::string line = text_delta(0, "smile X!");
  line.replace(line.find('X'), 1, "\\ud83d");
  std::string pair = text_delta(0, " and Y");
  pair.replace(pair.find('Y'), 1, "\\ud83d\\ude00");
  const auto events = run({message_start("m"), block_start(0, "text"), line, pair, block_stop(0)});
  EXPECT_EQ(spoken_text(events), "smile \xEF\xBF\xBD! and \xF0\x9F\x98\x80");
}

TEST(ClaudeAdapter, SessionEndIsReportedOnce) {
  auto events = run({assistant("msg_1", text_block("Hi.")), result()});  // result + on_end
  EXPECT_EQ(count_kind(events, TextEventKind::kSessionEnd), 1u);
  EXPECT_EQ(events.back().kind, TextEventKind::kSessionEnd);

  events = run({assistant("msg_1", text_block("Cut off"))});  // no result: on_end closes all
  EXPECT_EQ(kinds(events), "D B M S");

  events = run({});
  EXPECT_EQ(kinds(events), "S");
}

TEST(ClaudeAdapter, EndOfInputClosesAnOpenStream) {
  std::vector<std::string> lines{message_start("msg_1")};
  append(&lines, streamed_text(0, {"Half a sent"}, /*stop=*/false));
  EXPECT_EQ(kinds(run(lines)), "D B M S");
}

TEST(ClaudeAdapter, SeveralTurnsEachEndTheirSession) {
  // --input-format stream-json keeps one process for several prompts: one result per turn.
  const auto events = run({assistant("msg_1", text_block("One.")), result(),
                           assistant("msg_2", text_block("Two.")), result()});
  EXPECT_EQ(spoken_text(events), "One.Two.");
  EXPECT_EQ(kinds(events), "D B M S D B M S");
}

TEST(ClaudeAdapter, PlainStringContentIsSpoken) {
  const std::string line =
      R"({"type":"assistant","message":{"id":"msg_1","role":"assistant","content":"As a string."},"parent_tool_use_id":null})";
  EXPECT_EQ(spoken_text(run({line})), "As a string.");
}

TEST(ClaudeAdapter, WrongTypesAreSkippedNotFatal) {
  LogCapture capture;
  const auto events = run(
      {R"({"type":42})", R"({"type":"assistant","message":"oops"})",
       R"({"type":"assistant","message":{"id":7,"content":{"a":1}}})",
       R"({"type":"stream_event","event":[1,2]})",
       R"({"type":"stream_event","event":{"type":"content_block_delta","index":"x","delta":{"type":"text_delta","text":5}}})",
       "[]", "null", R"("just a string")"});
  EXPECT_EQ(spoken_text(events), "");
  EXPECT_TRUE(capture.warnings.empty());
}

}  // namespace
}  // namespace stream_tts::test
