// TextStage: the guards it adds in front of the Cleaner and the Segmenter (control characters,
// the idle rule releasing a held word).
#include "engine/text_stage.h"

#include <gtest/gtest.h>

#include <sstream>

namespace stream_tts {
namespace {

std::vector<std::string> texts(const std::vector<SegmentedSentence>& sentences) {
  std::vector<std::string> out;
  for (const auto& s : sentences) out.push_back(s.text);
  return out;
}

std::vector<std::string> words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

TEST(TextStage, ControlCharactersAreReadAsSpaces) {
  TextStage stage({}, {});
  std::vector<SegmentedSentence> out;
  // A NUL used to reach the synthesizer, whose C API read "Hello" and stopped there.
  stage.on_event({TextEventKind::kDelta, std::string("Hello\0 world, a bell\a here.", 28), 0.0}, &out);
  stage.on_event({TextEventKind::kSessionEnd, {}, 1.0}, &out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text.find('\0'), std::string::npos);
  EXPECT_EQ(out[0].text.find('\a'), std::string::npos);
  EXPECT_EQ(words(out[0].text), (std::vector<std::string>{"Hello", "world,", "a", "bell", "here."}));
}

TEST(TextStage, CarriageReturnsInsideTextAreHarmless) {
  TextStage stage({}, {});
  std::vector<SegmentedSentence> out;
  stage.on_event({TextEventKind::kDelta, "First line.\r\nSecond line.\r\n", 0.0}, &out);
  stage.on_event({TextEventKind::kSessionEnd, {}, 1.0}, &out);
  EXPECT_EQ(texts(out), (std::vector<std::string>{"First line.", "Second line."}));
}

TEST(TextStage, IdleFlushSpeaksAStalledMessageToItsLastWord) {
  SegmenterOptions so;
  so.idle_flush_ms = 1000.0;
  TextStage stage({}, so);
  std::vector<SegmentedSentence> out;
  stage.on_event({TextEventKind::kDelta, "This message never ", 0.0}, &out);
  stage.on_event({TextEventKind::kDelta, "ends", 10.0}, &out);
  stage.poll(500.0, &out);
  EXPECT_TRUE(out.empty());  // not idle long enough
  stage.poll(1010.0, &out);
  EXPECT_EQ(texts(out), (std::vector<std::string>{"This message never ends"}));
  out.clear();
  stage.poll(5000.0, &out);  // nothing new: nothing more
  EXPECT_TRUE(out.empty());
  stage.on_event({TextEventKind::kDelta, " after all.", 6000.0}, &out);
  stage.on_event({TextEventKind::kMessageEnd, {}, 6001.0}, &out);
  EXPECT_EQ(texts(out), (std::vector<std::string>{"after all."}));
}

TEST(TextStage, IdleFlushOffKeepsTheWord) {
  SegmenterOptions so;
  so.idle_flush_ms = 0.0;  // never
  TextStage stage({}, so);
  std::vector<SegmentedSentence> out;
  stage.on_event({TextEventKind::kDelta, "Waiting for the rest of this", 0.0}, &out);
  stage.poll(100000.0, &out);
  EXPECT_TRUE(out.empty());
  stage.on_event({TextEventKind::kDelta, " sentence.", 100001.0}, &out);
  stage.on_event({TextEventKind::kBlockEnd, {}, 100002.0}, &out);
  EXPECT_EQ(texts(out), (std::vector<std::string>{"Waiting for the rest of this sentence."}));
}

}  // namespace
}  // namespace stream_tts
