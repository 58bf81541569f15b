// Per-sentence records: the JSONL written by --metrics and the p50/p95 summary printed at exit.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "stream_tts/status.h"
#include "stream_tts/types.h"

namespace stream_tts {

struct SentenceRecord {
  uint64_t id = 0;
  std::string text;        // what was said before translation
  std::string translated;  // what was synthesised
  std::string lang;
  std::string voice;       // "<backend>:<voice>"
  SentenceTimes times;
  double audio_ms = 0.0;   // duration of the audio handed to the sink
  std::string error;       // empty when the sentence was spoken
};

// One JSON object per line; field names are documented in README ("Metrics").
std::string to_json_line(const SentenceRecord& record);

class MetricsLog {
 public:
  // Opens `path` for writing ("-" = stderr is not allowed: metrics never mix with logs).
  // Throws Error(kNotFound) when the file cannot be created.
  explicit MetricsLog(const std::string& path);
  MetricsLog() = default;  // records in memory only
  ~MetricsLog();
  MetricsLog(const MetricsLog&) = delete;
  MetricsLog& operator=(const MetricsLog&) = delete;

  // Called from one thread (the engine's audio stage).
  void add(SentenceRecord record);
  // false: records() stays empty; only the stage times are kept for summary() (48 bytes a sentence
  // instead of the texts, ~400 bytes), so a program that runs for days does not grow with every
  // sentence it speaks (the soak test, bench/e2e/soak.py). The file gets every record either way.
  void keep_records(bool keep) { keep_records_ = keep; }
  const std::vector<SentenceRecord>& records() const { return records_; }
  size_t count() const { return samples_.size(); }  // sentences added
  size_t spoken() const { return spoken_; }         // ... of which without error
  // "first audio latency (ms)  p50  p95" per stage, for stderr.
  std::string summary() const;

 private:
  std::FILE* file_ = nullptr;
  bool keep_records_ = true;
  std::vector<SentenceRecord> records_;
  std::vector<SentenceTimes> samples_;  // every sentence's stage times, for summary()
  size_t spoken_ = 0;
};

}  // namespace stream_tts
