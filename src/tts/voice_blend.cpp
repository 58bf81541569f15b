#include "tts/voice_blend.h"

#include <charconv>

namespace stream_tts {

Result<std::vector<VoiceBlendPart>> parse_voice_blend(std::string_view spec) {
  const auto bad = [&](const std::string& why) {
    return Status(StatusCode::kInvalidArgument, "voice '" + std::string(spec) + "': " + why);
  };
  std::vector<VoiceBlendPart> parts;
  size_t start = 0;
  for (;;) {
    const size_t end = spec.find_first_of(",+", start);
    const std::string_view part =
        spec.substr(start, end == std::string_view::npos ? spec.npos : end - start);
    const size_t colon = part.rfind(':');
    const std::string_view name = part.substr(0, colon);
    double weight = 1.0;
    if (colon != std::string_view::npos) {
      const std::string_view w = part.substr(colon + 1);
      const auto [ptr, ec] = std::from_chars(w.data(), w.data() + w.size(), weight);
      if (ec != std::errc() || ptr != w.data() + w.size() || !(weight > 0) || weight > 1e6) {
        return bad("weight '" + std::string(w) + "' is not a positive number");
      }
    }
    if (name.empty() || name.find(':') != std::string_view::npos) {
      return bad("expected NAME or NAME:WEIGHT,NAME:WEIGHT");
    }
    for (const auto& p : parts) {
      if (p.name == name) return bad("names " + std::string(name) + " twice");
    }
    parts.push_back({std::string(name), weight});
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

}  // namespace stream_tts
