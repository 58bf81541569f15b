// Golden cases for the cleaner (tests/golden/cleaner/cases.txt). Each case is checked whole, split
// in two at every byte, one byte at a time, and in random small deltas: the output must not depend
// on how the stream was cut (deltas split fences, URLs, "**" and UTF-8 characters anywhere).
#include <gtest/gtest.h>

#include <random>

#include "golden_file.h"
#include "text/cleaner.h"

namespace stream_tts {
namespace {

struct CleanerCase {
  golden::Case c;
  CleanerOptions options;
  std::string expected;
};

std::vector<CleanerCase> load() {
  std::vector<CleanerCase> out;
  for (golden::Case& c : golden::read_cases(STREAM_TTS_GOLDEN_DIR "/cleaner/cases.txt")) {
    CleanerCase cc;
    for (const auto& [key, value] : c.settings) {
      if (key == "code_block_phrase") {
        cc.options.code_block_phrase = value;
      } else if (key == "speak_url_host") {
        cc.options.speak_url_host = value == "true";
      } else if (key == "speak_tables") {
        cc.options.speak_tables = value == "true";
      } else {
        throw std::runtime_error("unknown cleaner setting '" + key + "' in " + c.name);
      }
    }
    for (const std::string& line : c.expected_lines) cc.expected += line + "\n";
    cc.c = std::move(c);
    out.push_back(std::move(cc));
  }
  return out;
}

const std::vector<CleanerCase>& cases() {
  static const std::vector<CleanerCase> all = load();
  return all;
}

std::string clean_in_pieces(const std::vector<std::string_view>& pieces, const CleanerOptions& o) {
  Cleaner cleaner(o);
  std::string out;
  for (std::string_view p : pieces) cleaner.push(p, &out);
  cleaner.end_block(&out);
  return out;
}

class CleanerGolden : public ::testing::TestWithParam<size_t> {
 protected:
  const CleanerCase& tc() const { return cases()[GetParam()]; }
};

TEST_P(CleanerGolden, Whole) {
  const std::string got = clean_markdown(tc().c.input, tc().options);
  EXPECT_EQ(golden::escaped(got), golden::escaped(tc().expected)) << "input: " << tc().c.input;
}

TEST_P(CleanerGolden, SplitAtEveryByte) {
  const std::string_view in = tc().c.input;
  for (size_t cut = 0; cut <= in.size(); ++cut) {
    const std::string got = clean_in_pieces({in.substr(0, cut), in.substr(cut)}, tc().options);
    ASSERT_EQ(golden::escaped(got), golden::escaped(tc().expected)) << "split at byte " << cut;
  }
}

TEST_P(CleanerGolden, ByteByByte) {
  const std::string_view in = tc().c.input;
  std::vector<std::string_view> pieces;
  for (size_t i = 0; i < in.size(); ++i) pieces.push_back(in.substr(i, 1));
  EXPECT_EQ(golden::escaped(clean_in_pieces(pieces, tc().options)), golden::escaped(tc().expected));
}

TEST_P(CleanerGolden, RandomDeltas) {
  const std::string_view in = tc().c.input;
  for (unsigned seed = 1; seed <= 20; ++seed) {
    std::mt19937 rng(seed * 7919u + static_cast<unsigned>(GetParam()));
    std::uniform_int_distribution<size_t> len(1, 12);
    std::vector<std::string_view> pieces;
    for (size_t i = 0; i < in.size();) {
      const size_t n = std::min(len(rng), in.size() - i);
      pieces.push_back(in.substr(i, n));
      i += n;
    }
    ASSERT_EQ(golden::escaped(clean_in_pieces(pieces, tc().options)), golden::escaped(tc().expected))
        << "seed " << seed;
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, CleanerGolden, ::testing::Range<size_t>(0, cases().size()),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                           return golden::test_name(cases()[info.param].c.name);
                         });

TEST(CleanerGoldenFile, HasEnoughCases) { EXPECT_GE(cases().size(), 60u); }

}  // namespace
}  // namespace stream_tts
