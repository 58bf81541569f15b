#include "engine/voice_router.h"

#include "core/utf8.h"

namespace stream_tts {

void VoiceRouter::add(const std::string& lang, Synthesizer* synth, std::string label) {
  by_lang_[lang] = {synth, std::move(label)};
  if (fallback_lang_.empty()) fallback_lang_ = lang;
}

VoiceRouter::Route VoiceRouter::route(std::string_view lang) const {
  auto it = by_lang_.find(lang);
  if (it == by_lang_.end()) it = by_lang_.find(fallback_lang_);
  if (it == by_lang_.end()) return {};
  return {it->second.first, &it->second.second};
}

std::string VoiceRouter::language_of(std::string_view text, std::string_view translator_target) {
  if (!translator_target.empty()) return std::string(translator_target);
  return utf8::looks_japanese(text) ? "ja" : "en";
}

}  // namespace stream_tts
