#include "tts/openjtalk/openjtalk_synthesizer.h"

#include <exception>
#include <map>

#include "tts/openjtalk/hts_voice.h"
#include "tts/openjtalk/openjtalk_stream.h"
#include "tts/openjtalk/text_analyzer.h"
#include "tts/openjtalk/text_splitter.h"

namespace stream_tts {
namespace {

// Debian 12: open-jtalk-mecab-naist-jdic and hts-voice-nitech-jp-atr503-m001 (non-free).
constexpr const char* kDefaultDictionaryDir = "/var/lib/mecab/dic/open-jtalk/naist-jdic";
constexpr const char* kDefaultVoiceFile =
    "/usr/share/hts-voice/nitech-jp-atr503-m001/nitech_jp_atr503_m001.htsvoice";

bool looks_like_voice_path(const std::string& voice) {
  return voice.find('/') != std::string::npos ||
         (voice.size() > 9 && voice.compare(voice.size() - 9, 9, ".htsvoice") == 0);
}

class OpenJTalkSynthesizer final : public Synthesizer {
 public:
  explicit OpenJTalkSynthesizer(const SynthesizerConfig& config)
      : analyzer_(std::make_shared<TextAnalyzer>(
            config.dictionary_dir.empty() ? kDefaultDictionaryDir : config.dictionary_dir)) {
    std::string voice_file = config.voice_file.empty() ? kDefaultVoiceFile : config.voice_file;
    if (!config.voice.empty() && looks_like_voice_path(config.voice)) voice_file = config.voice;
    default_voice_ = std::make_shared<HtsVoice>(voice_file);
    if (!config.voice.empty() && !looks_like_voice_path(config.voice) &&
        config.voice != default_voice_->name()) {
      throw Error(StatusCode::kNotFound, "Open JTalk has no voice '" + config.voice +
                                             "' (loaded: " + default_voice_->name() +
                                             "; or give an .htsvoice path)");
    }
  }

  std::string name() const override { return "openjtalk"; }
  int sample_rate() const override { return default_voice_->sample_rate(); }
  std::vector<std::string> languages() const override { return {"ja"}; }
  std::vector<VoiceInfo> voices() const override {
    std::vector<VoiceInfo> out{
        {default_voice_->name(), "ja", "HTS voice " + default_voice_->path()}};
    for (const auto& [path, voice] : extra_voices_)
      out.push_back({voice->name(), "ja", "HTS voice " + path});
    return out;
  }

  Result<std::unique_ptr<SynthesisStream>> start(std::string_view text,
                                                 const SynthesisOptions& options) override {
    try {
      return start_or_fail(text, options);
    } catch (const Error& e) {
      return e.status();
    } catch (const std::exception& e) {
      return Status(StatusCode::kInternal, std::string("Open JTalk: ") + e.what());
    }
  }

 private:
  Result<std::unique_ptr<SynthesisStream>> start_or_fail(std::string_view text,
                                                         const SynthesisOptions& options) {
    if (Status s = check_options(options); !s) return s;
    Result<std::shared_ptr<HtsVoice>> voice = resolve_voice(options.voice);
    if (!voice) return voice.status();

    UtteranceSettings settings;
    settings.rate = options.rate;
    settings.pitch = options.pitch;
    settings.gain = options.volume;
    return OpenJTalkStream::start(analyzer_, *voice, split_for_synthesis(text), settings);
  }

  // "" / the loaded voice's name / its path -> the default voice; another .htsvoice path -> that
  // voice, loaded on first use and kept (a voice file is a few MB).
  Result<std::shared_ptr<HtsVoice>> resolve_voice(const std::string& voice) {
    if (voice.empty() || voice == default_voice_->name() || voice == default_voice_->path()) {
      return default_voice_;
    }
    if (!looks_like_voice_path(voice)) {
      return Status(StatusCode::kInvalidArgument, "Open JTalk has no voice '" + voice +
                                                      "' (available: " + default_voice_->name() +
                                                      ", or an .htsvoice path)");
    }
    auto it = extra_voices_.find(voice);
    if (it != extra_voices_.end()) return it->second;
    try {
      auto loaded = std::make_shared<HtsVoice>(voice);
      extra_voices_.emplace(voice, loaded);
      return loaded;
    } catch (const Error& e) {
      // A bad voice in the options is the caller's argument, whatever the file's problem is.
      return Status(StatusCode::kInvalidArgument, e.status().message());
    }
  }

  // Shared with the streams, which analyse later pieces of long text and may outlive the
  // synthesizer.
  std::shared_ptr<TextAnalyzer> analyzer_;
  std::shared_ptr<HtsVoice> default_voice_;
  std::map<std::string, std::shared_ptr<HtsVoice>> extra_voices_;  // by path as given
};

}  // namespace

std::unique_ptr<Synthesizer> make_openjtalk_synthesizer(const SynthesizerConfig& config) {
  return std::make_unique<OpenJTalkSynthesizer>(config);
}

}  // namespace stream_tts
