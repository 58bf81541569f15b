// Cleaner behaviour that golden files cannot show: what comes out *while* the stream is still
// arriving (latency), state across blocks, hostile input.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "core/utf8.h"
#include "text/cleaner.h"

namespace stream_tts {
namespace {

std::string push(Cleaner& c, std::string_view delta) {
  std::string out;
  c.push(delta, &out);
  return out;
}

TEST(CleanerStreaming, ProseComesOutBeforeTheLineEnds) {
  Cleaner c;
  EXPECT_EQ(push(c, "Hello wor"), "Hello ");  // "wor" may still become "world/x/y.cpp"
  EXPECT_EQ(push(c, "ld, this"), "world, ");
}

TEST(CleanerStreaming, SentenceEndAndSpaceAreWrittenAtOnce) {
  // The segmenter can end "Done." only once it sees the space: it must not be held back.
  Cleaner c;
  EXPECT_EQ(push(c, "Done. "), "Done. ");
}

TEST(CleanerStreaming, JapaneseStreamsCharacterByCharacter) {
  Cleaner c;
  EXPECT_EQ(push(c, "これは"), "これは");
  EXPECT_EQ(push(c, "テストです。"), "テストです。");
  // Half a character waits for its other half.
  EXPECT_EQ(push(c, "\xE6\xAC"), "");
  EXPECT_EQ(push(c, "\xA1"), "次");
}

TEST(CleanerStreaming, LineStartNeedsOnlyAFewBytes) {
  Cleaner c;
  EXPECT_EQ(push(c, "-"), "");          // list, rule or "-5"?
  EXPECT_EQ(push(c, " first step "), "first step ");
  EXPECT_EQ(push(c, "done\n- sec"), "done\n");
  EXPECT_EQ(push(c, "ond "), "second ");
}

TEST(CleanerStreaming, HeadingHoldsOnlyItsLastWord) {
  Cleaner c;
  EXPECT_EQ(push(c, "## Sum"), "");
  EXPECT_EQ(push(c, "mary of chan"), "Summary of");
  EXPECT_EQ(push(c, "ges\n"), " changes\n");
}

TEST(CleanerStreaming, FenceContentIsSkippedAsItArrives) {
  Cleaner c;
  EXPECT_EQ(push(c, "Run:\n```b"), "Run:\n");  // three backticks are enough to know
  EXPECT_EQ(push(c, "ash\nmake all\n"), "");
  EXPECT_EQ(push(c, "``"), "");  // could be the closing fence
  EXPECT_EQ(push(c, "`\nOK then"), "OK ");
}

TEST(CleanerStreaming, LinkIsHeldUntilItCloses) {
  Cleaner c;
  EXPECT_EQ(push(c, "See [the do"), "See ");
  EXPECT_EQ(push(c, "cs](https://exa"), "");
  EXPECT_EQ(push(c, "mple.com) now"), "the docs ");
}

TEST(CleanerStreaming, SoftBreakIsDecidedByTheNextLine) {
  Cleaner c;
  EXPECT_EQ(push(c, "Let me check.\n"), "Let me check.");
  EXPECT_EQ(push(c, "Then"), "");
  EXPECT_EQ(push(c, " go\n- item\n"), " Then go\nitem\n");
}

TEST(CleanerBlocks, EndBlockReleasesHeldTextAndEndsWithHardBreak) {
  Cleaner c;
  std::string out;
  c.push("an **unclosed bold", &out);
  c.end_block(&out);
  EXPECT_EQ(out, "an unclosed bold\n");
  out.clear();
  c.end_block(&out);  // nothing written since the last hard break
  EXPECT_EQ(out, "");
}

TEST(CleanerBlocks, EndBlockClosesAnOpenFence) {
  Cleaner c;
  std::string out;
  c.push("```\ncode", &out);
  c.end_block(&out);
  c.push("Text after.", &out);
  c.end_block(&out);
  EXPECT_EQ(out, "Text after.\n");
}

TEST(CleanerBlocks, ResetForgetsEverything) {
  Cleaner c;
  std::string out;
  c.push("```\nsecret code\n[half a li", &out);
  c.reset();
  out.clear();
  c.push("Fresh start", &out);
  c.end_block(&out);
  EXPECT_EQ(out, "Fresh start\n");
}

TEST(CleanerBlocks, MovedCleanerKeepsItsState) {
  Cleaner a;
  std::string out;
  a.push("**bo", &out);
  Cleaner b = std::move(a);
  b.push("ld** text", &out);
  b.end_block(&out);
  EXPECT_EQ(out, "bold text\n");
}

TEST(CleanerInput, InvalidUtf8IsDroppedNotPassedOn) {
  const std::string out = clean_markdown("a\xFF b \xC3(c\xE3\x81");
  EXPECT_TRUE(utf8::is_valid(out));
  EXPECT_EQ(out, "a b (c\n");
}

TEST(CleanerInput, VeryLongWordIsCutNotHeldForever) {
  Cleaner c;
  const std::string blob(5000, 'x');
  const std::string out = push(c, blob);
  EXPECT_GE(out.size(), 4000u);  // everything but the last, possibly unfinished, piece
  std::string rest;
  c.end_block(&rest);
  EXPECT_EQ(out + rest, blob + "\n");
}

TEST(CleanerInput, UnclosedConstructsHaveBoundedHoldBack) {
  // An opening "[" or "`" that never closes must not hold the rest of a long line.
  Cleaner c;
  std::string line = "[";
  for (int i = 0; i < 400; ++i) line += "word ";
  EXPECT_GT(push(c, line).size(), 1000u);
}

TEST(CleanerInput, LongDocumentStaysLinear) {
  std::string doc;
  for (int i = 0; i < 20000; ++i) doc += "Some **bold** text with `code` and [a link](http://x.io/y).\n";
  const std::string out = clean_markdown(doc);
  EXPECT_EQ(out.size(), 20000u * std::string("Some bold text with code and a link. ").size());
}

// Lines that stay ambiguous for long ("-----…", a huge backtick run, a megabyte of blanks)
// arriving byte by byte must neither be rescanned from their start on every delta (quadratic
// time) nor give a different result from the same text pushed whole.
TEST(CleanerInput, PathologicalLinesAreLinearAndSplitInvariant) {
  const std::vector<std::string> inputs = {
      std::string(100000, '-'),
      "|" + std::string(100000, '-') + "|",
      std::string(100000, ' ') + "x",
      "a " + std::string(100000, '`') + " b",
      "```\n" + std::string(100000, '`'),
      std::string(30000, '[') + "x",
      "see " + std::string(30000, '<') + " it",
      std::string(30000, '&') + ";",
      "https://x.io/" + std::string(30000, ')'),
  };
  for (const std::string& in : inputs) {
    const std::string whole = clean_markdown(in);
    Cleaner c;
    std::string split;
    for (size_t i = 0; i < in.size(); ++i) c.push(std::string_view(in).substr(i, 1), &split);
    c.end_block(&split);
    EXPECT_EQ(split, whole) << in.substr(0, 20);
  }
}

// Random markdown-ish input: whatever the bytes, the output is valid UTF-8, never has an empty
// line or a leading hard break, and does not depend on how the input is split.
TEST(CleanerInput, RandomInputIsSplitInvariantAndWellFormed) {
  static const std::vector<std::string> kAtoms = {
      "a", "word", " ", "  ", "\n", "\n\n", "#", "## ", "-", "- ", "* ", "1. ", "*", "**", "_", "~~",
      "`", "```", "~~~", "[", "]", "(", ")", "![", "<", ">", "<br>", "</sub>", "&amp;", "&#39;", "&",
      "|", "| ", "---", "\\", "https://", "www.", "x.com/", "/usr/lib/", "a/b/c.txt", ".", "!", "?",
      "\xE3\x81\x82", "\xE3\x80\x82", "\xF0\x9F\x9A\x80", "\xEF\xB8\x8F", "\xFF", "\xE3", ">", "\t",
      "\r\n", "[ ] ", "[x]", "0", "9", ":"};
  std::mt19937 rng(12345);
  for (int iter = 0; iter < 3000; ++iter) {
    std::string in;
    const int atoms = std::uniform_int_distribution<int>(1, 40)(rng);
    for (int i = 0; i < atoms; ++i) in += kAtoms[rng() % kAtoms.size()];
    CleanerOptions opt;
    opt.code_block_phrase = (iter % 3 == 0) ? "code" : "";
    opt.speak_tables = iter % 2 == 0;
    opt.speak_url_host = iter % 5 != 0;
    const std::string whole = clean_markdown(in, opt);
    ASSERT_TRUE(utf8::is_valid(whole)) << in;
    ASSERT_EQ(whole.find("\n\n"), std::string::npos) << in;
    ASSERT_FALSE(!whole.empty() && whole[0] == '\n') << in;
    ASSERT_TRUE(whole.empty() || whole.back() == '\n') << in;

    Cleaner c(opt);
    std::string split;
    for (size_t i = 0; i < in.size();) {
      const size_t n = std::min<size_t>(1 + rng() % 5, in.size() - i);
      c.push(std::string_view(in).substr(i, n), &split);
      i += n;
    }
    c.end_block(&split);
    ASSERT_EQ(split, whole) << in;
  }
}

}  // namespace
}  // namespace stream_tts
