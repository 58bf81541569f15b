#include "tts/worker/worker_synthesizer.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <mutex>

#include "core/log.h"
#include "tts/voice_blend.h"
#include "worker/worker_config.h"
#include "worker/worker_manager.h"

namespace stream_tts {
namespace {

std::string join_voices(const std::vector<worker::WorkerVoice>& voices) {
  std::string s;
  for (const auto& v : voices) s += (s.empty() ? "" : ", ") + v.name;
  return s;
}

class WorkerStream : public SynthesisStream {
 public:
  WorkerStream(worker::WorkerCall call, int sample_rate, float volume)
      : call_(std::move(call)), sample_rate_(sample_rate), volume_(volume) {}

  Status next(AudioChunk* chunk, std::stop_token stop) override {
    worker::WorkerEvent e;
    Status s = call_.next(&e, stop);
    if (!s) return s;
    chunk->is_last = e.kind == worker::WorkerEvent::Kind::kDone;
    chunk->sample_rate = e.sample_rate > 0 ? e.sample_rate : sample_rate_;
    samples_.clear();
    if (!chunk->is_last) {
      s = decode(e.format, e.payload);
      if (!s) return s;
    }
    chunk->samples = samples_;
    return {};
  }

 private:
  Status decode(const std::string& format, const std::string& bytes) {
    static_assert(std::endian::native == std::endian::little, "PCM from workers is little endian");
    if (format == "f32le") {
      samples_.resize(bytes.size() / sizeof(float));
      if (!samples_.empty())
        std::memcpy(samples_.data(), bytes.data(), samples_.size() * sizeof(float));
    } else if (format == "s16le") {
      samples_.resize(bytes.size() / sizeof(int16_t));
      for (size_t i = 0; i < samples_.size(); ++i) {
        int16_t v;
        std::memcpy(&v, bytes.data() + 2 * i, sizeof(v));
        samples_[i] = static_cast<float>(v) / 32768.0f;
      }
    } else {
      return {StatusCode::kDataError,
              "worker sent audio in format '" + format + "' (expected f32le or s16le)"};
    }
    if (volume_ != 1.0f) {
      for (float& x : samples_) x *= volume_;
    }
    return {};
  }

  worker::WorkerCall call_;
  const int sample_rate_;
  const float volume_;
  std::vector<float> samples_;
};

class WorkerSynthesizer : public Synthesizer {
 public:
  WorkerSynthesizer(worker::WorkerConfig config, const std::string& voice)
      : manager_(std::make_unique<worker::WorkerManager>(std::move(config))) {
    const worker::WorkerConfig& c = manager_->config();
    if (c.kind != "tts") {
      throw Error(StatusCode::kInvalidArgument,
                  "worker " + c.name + " is a " + c.kind + " worker, not a voice");
    }
    Status s = manager_->start();
    if (!s) throw Error(s);
    if (!voice.empty()) {
      auto spec = parse_worker_voice(voice);
      if (!spec) throw Error(spec.status());
      check_voices(*spec);
      default_voice_ = std::move(spec.value());
    }
  }

  std::string name() const override { return "worker:" + manager_->config().name; }
  int sample_rate() const override { return manager_->capabilities().sample_rate; }
  std::vector<std::string> languages() const override { return manager_->capabilities().languages; }
  std::vector<VoiceInfo> voices() const override {
    std::vector<VoiceInfo> v;
    for (const auto& w : manager_->capabilities().voices)
      v.push_back({w.name, w.lang, w.description});
    return v;
  }

  Result<std::unique_ptr<SynthesisStream>> start(std::string_view text,
                                                 const SynthesisOptions& options) override {
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
      return Status(StatusCode::kDataError, "nothing to say");
    }
    worker::RequestFields r;
    r.text = std::string(text);
    WorkerVoiceSpec spec = default_voice_;
    if (!options.voice.empty()) {
      auto parsed = parse_worker_voice(options.voice);
      if (!parsed) return parsed.status();
      spec = std::move(parsed.value());
    }
    r.voice = spec.voice;
    r.blend = spec.blend;
    if (options.rate != 1.0f) {
      r.speed = options.rate;
      if (!manager_->capabilities().has_style("speed"))
        warn_once(&warned_speed_, "does not support a speaking rate");
    }
    if (options.pitch != 0.0f)
      warn_once(&warned_pitch_, "cannot shift the pitch; --pitch is ignored");
    auto call = manager_->submit(std::move(r));
    if (!call) return call.status();
    return std::unique_ptr<SynthesisStream>(
        std::make_unique<WorkerStream>(std::move(call.value()), sample_rate(), options.volume));
  }

 private:
  void check_voices(const WorkerVoiceSpec& spec) const {
    const worker::Capabilities& caps = manager_->capabilities();
    const std::string& name = manager_->config().name;
    if (!spec.blend.empty() && !caps.has_style("blend")) {
      throw Error(StatusCode::kInvalidArgument, "worker " + name + " cannot blend voices");
    }
    if (caps.voices.empty()) return;  // a worker that does not list its voices checks them itself
    auto known = [&](const std::string& v) {
      return std::any_of(caps.voices.begin(), caps.voices.end(),
                         [&](const auto& w) { return w.name == v; });
    };
    std::vector<std::string> names;
    if (!spec.voice.empty()) names.push_back(spec.voice);
    for (const auto& [v, w] : spec.blend) names.push_back(v);
    for (const auto& v : names) {
      if (!known(v)) {
        throw Error(StatusCode::kInvalidArgument, "worker " + name + " has no voice '" + v +
                                                      "' (voices: " + join_voices(caps.voices) +
                                                      ")");
      }
    }
  }

  void warn_once(bool* flag, const char* what) {
    std::lock_guard lock(warn_mutex_);
    if (*flag) return;
    *flag = true;
    log::warn("worker {} {}", manager_->config().name, what);
  }

  std::unique_ptr<worker::WorkerManager> manager_;
  WorkerVoiceSpec default_voice_;
  std::mutex warn_mutex_;
  bool warned_speed_ = false;
  bool warned_pitch_ = false;
};

}  // namespace

Result<WorkerVoiceSpec> parse_worker_voice(std::string_view spec) {
  auto parts = parse_voice_blend(spec);
  if (!parts) return parts.status();
  WorkerVoiceSpec out;
  if (parts->size() == 1) {
    out.voice = std::move(parts->front().name);
  } else {
    for (auto& part : *parts) out.blend.emplace_back(std::move(part.name), part.weight);
  }
  return out;
}

std::unique_ptr<Synthesizer> make_worker_synthesizer(const SynthesizerConfig& config) {
  constexpr std::string_view kPrefix = "worker:";
  if (config.backend.rfind(kPrefix, 0) != 0 || config.backend.size() == kPrefix.size()) {
    throw Error(StatusCode::kInvalidArgument,
                "expected worker:NAME (got '" + config.backend + "')");
  }
  const std::string name = config.backend.substr(kPrefix.size());
  const worker::WorkerCatalogue catalogue = worker::WorkerCatalogue::load(config.workers_file);
  return std::make_unique<WorkerSynthesizer>(catalogue.find(name), config.voice);
}

}  // namespace stream_tts
