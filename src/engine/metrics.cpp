#include "engine/metrics.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "core/json_writer.h"
#include "core/stats.h"

namespace stream_tts {
namespace {

double since(double from, double to) {
  return (from > 0.0 && to > 0.0) ? to - from : std::numeric_limits<double>::quiet_NaN();
}

// Unset stage times (0) are written as null.
double stamp(double t) { return t > 0.0 ? t : std::numeric_limits<double>::quiet_NaN(); }

}  // namespace

std::string to_json_line(const SentenceRecord& r) {
  const SentenceTimes& t = r.times;
  JsonObject o;
  o.add("id", static_cast<unsigned long long>(r.id))
      .add("text", r.text)
      .add("translated", r.translated)
      .add("lang", r.lang)
      .add("voice", r.voice)
      .add("t_complete_ms", stamp(t.complete_ms))
      .add("t_segmented_ms", stamp(t.segmented_ms))
      .add("t_translated_ms", stamp(t.translated_ms))
      .add("t_first_chunk_ms", stamp(t.first_chunk_ms))
      .add("t_first_audio_ms", stamp(t.first_sample_ms))
      .add("t_done_ms", stamp(t.done_ms))
      .add("first_audio_latency_ms", since(t.complete_ms, t.first_sample_ms))
      .add("audio_ms", r.audio_ms);
  if (!r.error.empty()) o.add("error", r.error);
  return o.str();
}

MetricsLog::MetricsLog(const std::string& path) {
  file_ = std::fopen(path.c_str(), "w");
  if (file_ == nullptr) throw Error(StatusCode::kNotFound, "cannot write metrics file " + path);
}

MetricsLog::~MetricsLog() {
  if (file_ != nullptr) std::fclose(file_);
}

void MetricsLog::add(SentenceRecord record) {
  if (file_ != nullptr) {
    const std::string line = to_json_line(record);
    std::fwrite(line.data(), 1, line.size(), file_);
    std::fputc('\n', file_);
    std::fflush(file_);  // a crash or Ctrl-C keeps what was measured
  }
  samples_.push_back(record.times);
  spoken_ += record.error.empty() ? 1 : 0;
  if (keep_records_) records_.push_back(std::move(record));
}

std::string MetricsLog::summary() const {
  struct Stage {
    const char* name;
    double SentenceTimes::*from;
    double SentenceTimes::*to;
  };
  static constexpr Stage kStages[] = {
      {"complete -> segmented", &SentenceTimes::complete_ms, &SentenceTimes::segmented_ms},
      {"segmented -> translated", &SentenceTimes::segmented_ms, &SentenceTimes::translated_ms},
      {"translated -> first chunk", &SentenceTimes::translated_ms, &SentenceTimes::first_chunk_ms},
      {"first chunk -> first sample", &SentenceTimes::first_chunk_ms, &SentenceTimes::first_sample_ms},
      {"complete -> first sample", &SentenceTimes::complete_ms, &SentenceTimes::first_sample_ms},
  };
  std::string out = fmt::format("{} sentences spoken, {} failed; latency (ms)       p50      p95\n",
                                spoken_, samples_.size() - spoken_);
  for (const Stage& s : kStages) {
    std::vector<double> values;
    for (const auto& t : samples_) {
      double v = since(t.*s.from, t.*s.to);
      if (std::isfinite(v)) values.push_back(v);
    }
    out += fmt::format("  {:<28} {:>8.1f} {:>8.1f}\n", s.name, percentile(values, 50), percentile(values, 95));
  }
  return out;
}

}  // namespace stream_tts
