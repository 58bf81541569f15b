#include "tts/kokoro/kokoro_synthesizer.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <thread>

#include "core/log.h"
#include "models/model_store.h"
#include "nn/cpu/kernels.h"
#include "tts/g2p/japanese_g2p.h"
#include "tts/kokoro/audio_trim.h"
#include "tts/kokoro/clauses.h"
#include "tts/kokoro/kokoro_model.h"

namespace stream_tts {
namespace {

using kokoro::KokoroModel;

constexpr const char* kDefaultVoice = "jf_alpha";

const std::map<std::string, std::string>& voice_descriptions() {
  static const std::map<std::string, std::string> d = {
      {"jf_alpha", "female"},
      {"jf_gongitsune", "female, storyteller"},
      {"jf_nezumi", "female, storyteller"},
      {"jf_tebukuro", "female, storyteller"},
      {"jm_kumo", "male"}};
  return d;
}

// One clause as the model takes it, and the silence after it when another clause follows.
struct Clause {
  std::vector<int64_t> tokens;
  float pause_s = 0;
};

class KokoroStream : public SynthesisStream {
 public:
  KokoroStream(std::shared_ptr<const KokoroModel> model,
               std::shared_ptr<const std::vector<float>> style, std::vector<Clause> clauses,
               const SynthesisOptions& options)
      : model_(std::move(model)),
        style_(std::move(style)),
        clauses_(std::move(clauses)),
        volume_(options.volume) {
    model_options_.speed = options.rate;
    model_options_.pitch = options.pitch;
  }

  Status next(AudioChunk* chunk, std::stop_token stop) override {
    if (next_clause_ >= clauses_.size()) return Status(StatusCode::kEndOfStream, "");
    if (stop.stop_requested()) return Status(StatusCode::kCancelled, "synthesis cancelled");
    const Clause& clause = clauses_[next_clause_++];
    auto audio = model_->synthesize(clause.tokens, *style_, model_options_, stop);
    if (!audio) return audio.status();
    const auto [begin, end] = kokoro::trim_range(*audio, KokoroModel::kSampleRate);
    samples_.assign(audio->begin() + static_cast<std::ptrdiff_t>(begin),
                    audio->begin() + static_cast<std::ptrdiff_t>(end));
    kokoro::fade_ends(samples_, KokoroModel::kSampleRate);
    const bool last = next_clause_ == clauses_.size();
    if (!last && !samples_.empty()) {
      samples_.resize(
          samples_.size() + static_cast<size_t>(clause.pause_s * KokoroModel::kSampleRate), 0.0f);
    }
    if (volume_ != 1.0f) {
      for (float& x : samples_) x *= volume_;
    }
    chunk->samples = samples_;
    chunk->sample_rate = KokoroModel::kSampleRate;
    chunk->is_last = last;
    return Status();
  }

 private:
  std::shared_ptr<const KokoroModel> model_;
  std::shared_ptr<const std::vector<float>> style_;
  std::vector<Clause> clauses_;
  KokoroModel::Options model_options_;
  float volume_ = 1.0f;
  size_t next_clause_ = 0;
  std::vector<float> samples_;
};

class KokoroSynthesizer : public Synthesizer {
 public:
  explicit KokoroSynthesizer(const SynthesizerConfig& config)
      : model_(std::make_shared<const KokoroModel>(
            config.model_dir.empty() ? models::resolve_model("kokoro-ja").string()
                                     : config.model_dir)),
        g2p_(g2p::G2pConfig{.model_dir = config.g2p_dir.empty()
                                             ? models::resolve_model("kokoro-ja-g2p").string()
                                             : config.g2p_dir}),
        default_voice_(config.voice.empty() ? kDefaultVoice : config.voice) {
    // The convolutions' pool is the process's one (nn/cpu), shared with the nmt translator, which
    // sets it from the same --threads.
    nn::cpu::set_threads(config.threads > 0
                             ? config.threads
                             : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
    auto table = style_for(default_voice_);
    if (!table) throw Error(table.status());
  }

  std::string name() const override { return "kokoro"; }
  int sample_rate() const override { return KokoroModel::kSampleRate; }
  std::vector<std::string> languages() const override { return {"ja"}; }
  std::vector<VoiceInfo> voices() const override {
    std::vector<VoiceInfo> out;
    for (const auto& name : model_->voices().names()) {
      const auto d = voice_descriptions().find(name);
      out.push_back({name, "ja", d == voice_descriptions().end() ? "" : d->second});
    }
    return out;
  }

  Result<std::unique_ptr<SynthesisStream>> start(std::string_view text,
                                                 const SynthesisOptions& options) override {
    if (Status s = check_options(options); !s) return s;
    auto style = style_for(options.voice.empty() ? default_voice_ : options.voice);
    if (!style) return style.status();
    std::string phonemes;
    if (Status s = g2p_.phonemize(text, &phonemes); !s) return s;
    const g2p::KokoroVocab& vocab = model_->vocab();
    std::vector<Clause> clauses;
    for (const std::string& text : kokoro::split_clauses(
             phonemes, [&](std::string_view s) { return vocab.encode(s).size(); })) {
      Clause c{vocab.encode(text), kokoro::pause_after(text)};
      // Marks the vocabulary lacks (« » for brackets) leave clauses with no token: nothing to say.
      if (!c.tokens.empty()) clauses.push_back(std::move(c));
    }
    if (clauses.empty()) return Status(StatusCode::kDataError, "nothing to say");
    return std::unique_ptr<SynthesisStream>(std::make_unique<KokoroStream>(
        model_, std::move(style.value()), std::move(clauses), options));
  }

 private:
  // Style tables by voice spec, made once: a blend costs 510 x 256 multiply-adds per voice.
  Result<std::shared_ptr<const std::vector<float>>> style_for(const std::string& spec) {
    std::lock_guard lock(styles_mutex_);
    if (auto it = styles_.find(spec); it != styles_.end()) return it->second;
    auto table = model_->voices().style_table(spec);
    if (!table) return table.status();
    auto shared = std::make_shared<const std::vector<float>>(std::move(table.value()));
    styles_.emplace(spec, shared);
    return shared;
  }

  std::shared_ptr<const KokoroModel> model_;
  g2p::JapaneseG2p g2p_;
  std::string default_voice_;
  std::mutex styles_mutex_;
  std::map<std::string, std::shared_ptr<const std::vector<float>>> styles_;
};

}  // namespace

std::unique_ptr<Synthesizer> make_kokoro_synthesizer(const SynthesizerConfig& config) {
  return std::make_unique<KokoroSynthesizer>(config);
}

}  // namespace stream_tts
