// A --voice value naming one voice or a blend of several: "jf_alpha", "jf_alpha:0.7,jm_kumo:0.3"
// ("+" separates too: "jf_alpha:0.7+jm_kumo:0.3"). A weight left out is 1; weights are positive and
// are not normalised here (each backend normalises them its own way). Shared by the backends that
// blend style vectors (kokoro, worker:NAME), so that one spelling works for both.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "stream_tts/status.h"

namespace stream_tts {

struct VoiceBlendPart {
  std::string name;
  double weight = 1.0;
};

// The parts in the order written. kInvalidArgument, naming the bad part, for an empty name, a name
// with ':', a weight that is not a positive number (≤ 1e6), an empty part or a repeated name.
Result<std::vector<VoiceBlendPart>> parse_voice_blend(std::string_view spec);

}  // namespace stream_tts
