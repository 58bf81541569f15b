// Golden tests: each fixture transcript against the events its generator says must come out.
// The expected files are written by tests/fixtures/claude/generate.py from the conversation
// description, not from this adapter's output.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cctype>
#include <ostream>
#include <string>
#include <vector>

#include "input_test_support.h"

namespace stream_tts::test {
namespace {

struct GoldenCase {
  std::string fixture;   // relative to tests/fixtures
  std::string expected;  // relative to tests/fixtures
  InputFormat format = InputFormat::kClaude;
  bool announce_tools = false;
};

void PrintTo(const GoldenCase& c, std::ostream* os) {
  *os << c.fixture << " -> " << c.expected;
}

std::string case_name(const testing::TestParamInfo<GoldenCase>& info) {
  std::string name = info.param.expected;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

InputOptions options_for(const GoldenCase& c, InputFormat format) {
  InputOptions o;
  o.format = format;
  o.announce_tools = c.announce_tools;
  return o;
}

class Golden : public testing::TestWithParam<GoldenCase> {};

TEST_P(Golden, ExplicitFormat) {
  const GoldenCase& c = GetParam();
  const auto lines = split_lines(read_file(fixture_path(c.fixture)));
  EXPECT_EQ(run_lines(options_for(c, c.format), lines), read_file(fixture_path(c.expected)));
}

TEST_P(Golden, AutoDetectedFormat) {
  const GoldenCase& c = GetParam();
  const auto lines = split_lines(read_file(fixture_path(c.fixture)));
  auto adapter = make_input_adapter(options_for(c, InputFormat::kAuto));
  EXPECT_EQ(run_lines(adapter.get(), lines), read_file(fixture_path(c.expected)));
  EXPECT_EQ(adapter->format(), c.format);
}

TEST_P(Golden, ThroughLineReader) {
  const GoldenCase& c = GetParam();
  const std::string path = fixture_path(c.fixture);
  const int fd = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0) << path;
  LineReader reader(fd, size_t{16} << 20);
  std::vector<LineReader::Line> lines;
  while (reader.read(1000, &lines).is_ok()) {
  }
  ::close(fd);
  std::vector<std::string> texts;
  for (size_t i = 0; i < lines.size(); ++i) {
    ASSERT_EQ(lines[i].line_no, i + 1);
    texts.push_back(lines[i].text);
  }
  EXPECT_EQ(run_lines(options_for(c, c.format), texts), read_file(fixture_path(c.expected)));
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, Golden,
    testing::Values(
        GoldenCase{"claude/verbose_tools.jsonl", "claude/verbose_tools.expected"},
        GoldenCase{"claude/partial_tools.jsonl", "claude/partial_tools.expected"},
        GoldenCase{"claude/partial_tools.jsonl", "claude/partial_tools.announce.expected",
                   InputFormat::kClaude, true},
        GoldenCase{"claude/thinking.jsonl", "claude/thinking.expected"},
        GoldenCase{"claude/thinking_late_frames.jsonl", "claude/thinking_late_frames.expected"},
        GoldenCase{"claude/markdown.jsonl", "claude/markdown.expected"},
        GoldenCase{"claude/subagent.jsonl", "claude/subagent.expected"},
        GoldenCase{"claude/malformed.jsonl", "claude/malformed.expected"},
        GoldenCase{"claude/demo_ja.jsonl", "claude/demo_ja.expected"},
        GoldenCase{"text/notes.txt", "text/notes.expected", InputFormat::kText}),
    case_name);

TEST(GoldenProperties, PartialAndPlainTranscriptsSpeakTheSame) {
  InputOptions o;
  o.format = InputFormat::kClaude;
  const auto plain =
      run_lines(o, split_lines(read_file(fixture_path("claude/verbose_tools.jsonl"))));
  const auto partial =
      run_lines(o, split_lines(read_file(fixture_path("claude/partial_tools.jsonl"))));
  EXPECT_EQ(plain, partial);
}

TEST(GoldenProperties, PartialTranscriptStreamsInSmallPieces) {
  // The point of partial messages: text arrives early, in many deltas, before the full message.
  InputOptions o;
  o.format = InputFormat::kClaude;
  auto adapter = make_input_adapter(o);
  const auto lines = split_lines(read_file(fixture_path("claude/demo_ja.jsonl")));
  std::vector<TextEvent> events;
  size_t first_delta_line = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const size_t before = events.size();
    adapter->on_line(lines[i], i + 1, static_cast<double>(i), &events);
    if (first_delta_line == 0 && events.size() > before) first_delta_line = i + 1;
  }
  EXPECT_GT(count_kind(events, TextEventKind::kDelta), 50u);
  EXPECT_LE(first_delta_line, 4u);  // init, message_start, content_block_start, first delta
}

}  // namespace
}  // namespace stream_tts::test
