// "--out SPEC" -> a sink. The one place that knows the spec syntax.
#include <unistd.h>

#include <string>

#include "audio/null_sink.h"
#include "audio/raw_sink.h"
#include "audio/sink.h"
#include "audio/speaker_sink.h"
#include "audio/wav_sink.h"

namespace stream_tts {
namespace {

constexpr int kDefaultFileRate = 48000;
constexpr const char* kValidForms =
    "valid forms: speaker, speaker:DEVICE (index or name substring), wav:FILE, raw, null";

Status check_options(const SinkOptions& o) {
  std::string problems;
  auto add = [&](const std::string& p) { problems += (problems.empty() ? "" : "; ") + p; };
  if (o.sample_rate < 0) add("sample_rate must be >= 0 (0 = 48000), got " + std::to_string(o.sample_rate));
  if (o.sample_rate > 0 && (o.sample_rate < 1000 || o.sample_rate > 768000)) {
    add("sample_rate must be within 1000..768000 Hz, got " + std::to_string(o.sample_rate));
  }
  if (o.buffer_ms <= 0) add("buffer_ms must be > 0, got " + std::to_string(o.buffer_ms));
  if (o.latency_ms < 0) add("latency_ms must be >= 0 (0 = device default), got " + std::to_string(o.latency_ms));
  if (problems.empty()) return Status::ok();
  return Status(StatusCode::kInvalidArgument, "audio sink options: " + problems);
}

}  // namespace

Result<std::unique_ptr<AudioSink>> open_sink(std::string_view spec, const SinkOptions& options) {
  if (Status s = check_options(options); !s) return s;
  const int file_rate = options.sample_rate > 0 ? options.sample_rate : kDefaultFileRate;

  const size_t colon = spec.find(':');
  const std::string_view kind = spec.substr(0, colon);
  const bool has_arg = colon != std::string_view::npos;
  const std::string_view arg = has_arg ? spec.substr(colon + 1) : std::string_view{};

  if (kind == "speaker") {
    if (has_arg && arg.empty()) {
      return Status(StatusCode::kInvalidArgument, "audio output \"speaker:\" names no device; " +
                                                      std::string(kValidForms));
    }
    return audio::open_speaker_sink(arg, options);
  }
  if (kind == "wav") {
    if (arg.empty()) {
      return Status(StatusCode::kInvalidArgument,
                    "audio output \"" + std::string(spec) + "\" names no file; " + kValidForms);
    }
    return audio::open_wav_sink(std::string(arg), file_rate);
  }
  if (kind == "raw" && !has_arg) {
    return std::unique_ptr<AudioSink>(new audio::RawSink(STDOUT_FILENO, file_rate));
  }
  if (kind == "null" && !has_arg) {
    return std::unique_ptr<AudioSink>(new audio::NullSink(file_rate));
  }
  return Status(StatusCode::kInvalidArgument,
                "unknown audio output \"" + std::string(spec) + "\"; " + kValidForms);
}

}  // namespace stream_tts
