// Golden cases for the segmenter (tests/golden/segmenter/cases.txt). Each case is checked whole,
// token by token (LLM-like pieces: " word", ".", one character), split in two at every byte and
// byte by byte: the sentences must not depend on how the text arrived.
// The comparison ignores closers after a final Japanese terminator (absorbed.h says why).
#include <gtest/gtest.h>

#include "core/utf8.h"
#include "absorbed.h"
#include "golden_file.h"
#include "text/char_class.h"
#include "text/segmenter.h"

namespace stream_tts {
namespace {

struct SegmenterCase {
  golden::Case c;
  SegmenterOptions options;
  std::vector<std::string> before_flush;  // must come out of push() alone
  std::vector<std::string> after_flush;   // only flush() may emit these
};

std::vector<SegmenterCase> load() {
  std::vector<SegmenterCase> out;
  for (golden::Case& c : golden::read_cases(STREAM_TTS_GOLDEN_DIR "/segmenter/cases.txt")) {
    SegmenterCase sc;
    for (const auto& [key, value] : c.settings) {
      if (key == "max_bytes") {
        sc.options.max_bytes = std::stoul(value);
      } else {
        throw std::runtime_error("unknown segmenter setting '" + key + "' in " + c.name);
      }
    }
    bool flushed = false;
    for (const std::string& line : c.expected_lines) {
      if (line == "(flush)") {
        flushed = true;
      } else if (!line.empty()) {
        (flushed ? sc.after_flush : sc.before_flush).push_back(line);
      }
    }
    sc.c = std::move(c);
    out.push_back(std::move(sc));
  }
  return out;
}

const std::vector<SegmenterCase>& cases() {
  static const std::vector<SegmenterCase> all = load();
  return all;
}

// LLM-like tokens: optional leading spaces + a run of letters/digits, or one other ASCII byte, or
// one non-ASCII character.
std::vector<std::string_view> tokens(std::string_view s) {
  std::vector<std::string_view> out;
  for (size_t i = 0; i < s.size();) {
    size_t j = i;
    while (j < s.size() && s[j] == ' ') ++j;
    const size_t word = j;
    while (j < s.size() && text::is_ascii_alnum(s[j])) ++j;
    if (j == word) {
      if (j == s.size()) {
      } else if (static_cast<unsigned char>(s[j]) < 0x80) {
        j += (j == i) ? 1 : 0;
      } else if (j == i) {
        j = std::min(s.size(), j + utf8::sequence_length(static_cast<unsigned char>(s[j])));
      }
    }
    out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

struct Outcome {
  std::vector<std::string> before;
  std::vector<std::string> after;
  std::vector<std::string> all() const {
    std::vector<std::string> v = before;
    v.insert(v.end(), after.begin(), after.end());
    return v;
  }
};

Outcome segment(const std::vector<std::string_view>& pieces, const SegmenterOptions& options) {
  Segmenter seg(options);
  std::vector<SegmentedSentence> before;
  std::vector<SegmentedSentence> after;
  double t = 0.0;
  for (std::string_view p : pieces) seg.push(p, t += 10.0, &before);
  seg.flush(t + 10.0, &after);
  Outcome r;
  for (const auto& s : before) r.before.push_back(s.text);
  for (const auto& s : after) r.after.push_back(s.text);
  return r;
}

class SegmenterGolden : public ::testing::TestWithParam<size_t> {
 protected:
  const SegmenterCase& tc() const { return cases()[GetParam()]; }
  std::vector<std::string> expected_all() const {
    std::vector<std::string> v = tc().before_flush;
    v.insert(v.end(), tc().after_flush.begin(), tc().after_flush.end());
    return v;
  }
  void expect_same(const Outcome& r, const std::string& how) const {
    ASSERT_EQ(golden::without_absorbed(r.all()), golden::without_absorbed(expected_all())) << how;
    ASSERT_EQ(r.before.size(), tc().before_flush.size()) << how << ": sentences out before flush";
  }
};

TEST_P(SegmenterGolden, Whole) {
  const Outcome r = segment({tc().c.input}, tc().options);
  EXPECT_EQ(r.before, tc().before_flush);
  EXPECT_EQ(r.after, tc().after_flush);
}

TEST_P(SegmenterGolden, TokenByToken) { expect_same(segment(tokens(tc().c.input), tc().options), "tokens"); }

TEST_P(SegmenterGolden, SplitAtEveryByte) {
  const std::string_view in = tc().c.input;
  for (size_t cut = 0; cut <= in.size(); ++cut) {
    expect_same(segment({in.substr(0, cut), in.substr(cut)}, tc().options),
                "split at byte " + std::to_string(cut));
  }
}

TEST_P(SegmenterGolden, ByteByByte) {
  const std::string_view in = tc().c.input;
  std::vector<std::string_view> pieces;
  for (size_t i = 0; i < in.size(); ++i) pieces.push_back(in.substr(i, 1));
  expect_same(segment(pieces, tc().options), "byte by byte");
}

INSTANTIATE_TEST_SUITE_P(Cases, SegmenterGolden, ::testing::Range<size_t>(0, cases().size()),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                           return golden::test_name(cases()[info.param].c.name);
                         });

TEST(SegmenterGoldenFile, HasEnoughCases) { EXPECT_GE(cases().size(), 80u); }

TEST(SegmenterGoldenFile, TokenizerKeepsEveryByte) {
  for (const SegmenterCase& c : cases()) {
    std::string joined;
    for (std::string_view t : tokens(c.c.input)) {
      ASSERT_FALSE(t.empty()) << c.c.name;
      joined += t;
    }
    EXPECT_EQ(joined, c.c.input);
  }
}

}  // namespace
}  // namespace stream_tts
