#include "tts/espeak/espeak_synthesizer.h"

#include <espeak-ng/speak_lib.h>

#include <algorithm>
#include <cmath>
#include <mutex>

namespace stream_tts {
namespace {

// libespeak-ng keeps global state: one engine per process, guarded here.
std::mutex g_espeak_mutex;
int g_espeak_rate = 0;  // sample rate once initialised

constexpr size_t kChunkSamples = 2048;  // ~93 ms at 22,050 Hz

struct CallbackTarget {
  std::vector<float>* samples;
  std::stop_token stop;
};

int on_samples(short* wav, int count, espeak_EVENT* events) {
  auto* target = static_cast<CallbackTarget*>(events->user_data);
  if (wav != nullptr) {
    for (int i = 0; i < count; ++i) target->samples->push_back(static_cast<float>(wav[i]) / 32768.0f);
  }
  return target->stop.stop_requested() ? 1 : 0;  // 1 aborts synthesis
}

// eSpeak synthesises a short sentence in a few milliseconds; the whole utterance is produced in
// start() and handed out in chunks, which keeps the engine's interface uniform.
class EspeakStream final : public SynthesisStream {
 public:
  EspeakStream(std::vector<float> samples, int rate) : samples_(std::move(samples)), rate_(rate) {}

  Status next(AudioChunk* chunk, std::stop_token stop) override {
    if (done_) return {StatusCode::kEndOfStream, "no more audio"};
    if (stop.stop_requested()) return {StatusCode::kCancelled, "synthesis cancelled"};
    const size_t n = std::min(kChunkSamples, samples_.size() - pos_);
    chunk->samples = std::span<const float>(samples_.data() + pos_, n);
    chunk->sample_rate = rate_;
    pos_ += n;
    chunk->is_last = pos_ >= samples_.size();
    done_ = chunk->is_last;
    return {};
  }

 private:
  std::vector<float> samples_;
  int rate_;
  size_t pos_ = 0;
  bool done_ = false;
};

class EspeakSynthesizer final : public Synthesizer {
 public:
  explicit EspeakSynthesizer(const SynthesizerConfig& config)
      : default_voice_(config.voice.empty() ? "en-us" : config.voice) {
    std::lock_guard lock(g_espeak_mutex);
    if (g_espeak_rate == 0) {
      int rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 100, nullptr, espeakINITIALIZE_DONT_EXIT);
      if (rate <= 0) {
        throw Error(StatusCode::kNotFound,
                    "espeak-ng could not start: is espeak-ng-data installed? (apt install espeak-ng-data)");
      }
      espeak_SetSynthCallback(on_samples);
      g_espeak_rate = rate;
    }
    if (espeak_SetVoiceByName(default_voice_.c_str()) != EE_OK) {
      throw Error(StatusCode::kNotFound, "espeak-ng has no voice '" + default_voice_ + "'");
    }
  }

  std::string name() const override { return "espeak"; }
  int sample_rate() const override { return g_espeak_rate; }
  std::vector<std::string> languages() const override { return {"en"}; }
  std::vector<VoiceInfo> voices() const override {
    return {{"en-us", "en", "eSpeak NG American English"},
            {"en", "en", "eSpeak NG British English"},
            {"ja", "ja", "eSpeak NG Japanese (kana only; a fallback)"}};
  }

  Result<std::unique_ptr<SynthesisStream>> start(std::string_view text,
                                                 const SynthesisOptions& options) override {
    if (options.rate < 0.25f || options.rate > 4.0f || options.volume < 0.0f || options.volume > 4.0f ||
        std::fabs(options.pitch) > 12.0f) {
      return Status(StatusCode::kInvalidArgument, "rate must be 0.25..4, volume 0..4, pitch -12..12");
    }
    std::vector<float> samples;
    {
      std::lock_guard lock(g_espeak_mutex);
      const std::string& voice = options.voice.empty() ? default_voice_ : options.voice;
      if (espeak_SetVoiceByName(voice.c_str()) != EE_OK) {
        return Status(StatusCode::kInvalidArgument, "espeak-ng has no voice '" + voice + "'");
      }
      espeak_SetParameter(espeakRATE, static_cast<int>(std::lround(175.0f * options.rate)), 0);
      // eSpeak's pitch is 0..100 (50 = the voice's own); about 4 units per semitone.
      espeak_SetParameter(espeakPITCH, std::clamp(static_cast<int>(50 + 4 * options.pitch), 0, 100), 0);
      std::string utterance(text);
      CallbackTarget target{&samples, {}};
      espeak_ERROR err = espeak_Synth(utterance.c_str(), utterance.size() + 1, 0, POS_CHARACTER, 0,
                                      espeakCHARS_UTF8, nullptr, &target);
      if (err != EE_OK) return Status(StatusCode::kInternal, "espeak_Synth failed");
      espeak_Synchronize();
    }
    if (samples.empty()) return Status(StatusCode::kDataError, "espeak-ng produced no audio");
    if (options.volume != 1.0f) {
      for (float& s : samples) s = std::clamp(s * options.volume, -1.0f, 1.0f);
    }
    return std::unique_ptr<SynthesisStream>(std::make_unique<EspeakStream>(std::move(samples), g_espeak_rate));
  }

 private:
  std::string default_voice_;
};

}  // namespace

std::unique_ptr<Synthesizer> make_espeak_synthesizer(const SynthesizerConfig& config) {
  return std::make_unique<EspeakSynthesizer>(config);
}

}  // namespace stream_tts
