#include "engine/metrics.h"

#include <gtest/gtest.h>

#include "engine/voice_router.h"

namespace stream_tts {
namespace {

TEST(Metrics, JsonLineHasTheDocumentedFields) {
  SentenceRecord r;
  r.id = 2;
  r.text = "Hi.";
  r.translated = "こんにちは。";
  r.lang = "ja";
  r.voice = "openjtalk";
  r.times.complete_ms = 100;
  r.times.first_sample_ms = 150.5;
  r.audio_ms = 900;
  const std::string j = to_json_line(r);
  for (const char* key : {"\"id\":2", "\"text\":\"Hi.\"", "\"translated\":\"こんにちは。\"", "\"voice\":\"openjtalk\"",
                          "\"t_complete_ms\":100.000", "\"t_first_audio_ms\":150.500",
                          "\"first_audio_latency_ms\":50.500", "\"audio_ms\":900.000", "\"t_translated_ms\":null"}) {
    EXPECT_NE(j.find(key), std::string::npos) << key << " in " << j;
  }
}

TEST(Metrics, SummaryReportsPercentiles) {
  MetricsLog log;
  for (int i = 1; i <= 3; ++i) {
    SentenceRecord r;
    r.times.complete_ms = 0.001;
    r.times.first_sample_ms = 10.0 * i;
    log.add(r);
  }
  const std::string s = log.summary();
  EXPECT_NE(s.find("3 sentences spoken"), std::string::npos) << s;
  EXPECT_NE(s.find("complete -> first sample"), std::string::npos) << s;
  EXPECT_NE(s.find("20.0"), std::string::npos) << s;
}

TEST(Metrics, WithoutRecordsKeepsTheSummaryAndCounts) {
  MetricsLog log;
  log.keep_records(false);
  for (int i = 1; i <= 4; ++i) {
    SentenceRecord r;
    r.text = "A sentence long enough to live on the heap, not in the string.";
    r.times.complete_ms = 0.001;
    r.times.first_sample_ms = 10.0 * i;
    if (i == 4) r.error = "failed";
    log.add(r);
  }
  EXPECT_TRUE(log.records().empty());
  EXPECT_EQ(log.count(), 4u);
  EXPECT_EQ(log.spoken(), 3u);
  const std::string s = log.summary();
  EXPECT_NE(s.find("3 sentences spoken, 1 failed"), std::string::npos) << s;
  EXPECT_NE(s.find("25.0"), std::string::npos) << s;  // p50 of 10, 20, 30, 40
}

TEST(VoiceRouter, RoutesByLanguageWithFallback) {
  VoiceRouter r;
  EXPECT_EQ(r.route("ja").synth, nullptr);
  auto* a = reinterpret_cast<Synthesizer*>(0x10);
  auto* b = reinterpret_cast<Synthesizer*>(0x20);
  r.add("ja", a, "A");
  r.add("en", b, "B");
  EXPECT_EQ(r.route("ja").synth, a);
  EXPECT_EQ(r.route("en").synth, b);
  EXPECT_EQ(r.route("fr").synth, a);
  EXPECT_EQ(*r.route("en").label, "B");
  EXPECT_EQ(VoiceRouter::language_of("Hello.", ""), "en");
  EXPECT_EQ(VoiceRouter::language_of("こんにちは。", ""), "ja");
  EXPECT_EQ(VoiceRouter::language_of("Hello.", "ja"), "ja");
}

}  // namespace
}  // namespace stream_tts
