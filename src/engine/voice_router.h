// Chooses the synthesizer for an utterance by its language ("ja" -> Open JTalk, "en" -> eSpeak NG,
// by default). The router does not own the synthesizers.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "tts/synthesizer.h"

namespace stream_tts {

class VoiceRouter {
 public:
  // The synthesizer for `lang`; the first one added serves every language not added.
  // `label` names the voice in metrics, e.g. "openjtalk:nitech_jp_atr503_m001".
  void add(const std::string& lang, Synthesizer* synth, std::string label);
  struct Route {
    Synthesizer* synth = nullptr;
    const std::string* label = nullptr;
  };
  Route route(std::string_view lang) const;
  bool empty() const { return by_lang_.empty(); }

  // Language of a text to speak: the translator's target when it has one, else guessed from script.
  static std::string language_of(std::string_view text, std::string_view translator_target);

 private:
  std::map<std::string, std::pair<Synthesizer*, std::string>, std::less<>> by_lang_;
  std::string fallback_lang_;
};

}  // namespace stream_tts
