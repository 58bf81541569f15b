// Cutting an utterance's Kokoro phonemes into the pieces the model is run on, with the kokoro-ja
// worker's rules (workers/kokoro_ja/kokoro_ja_worker/clauses.py), so that both backends say the same
// text with the same breaks: cut after , ; : — … . ! ? followed by a space; a clause shorter than
// `min_tokens` joins the next one (a short tail joins the one before); a clause over `max_tokens`
// (the model's 510 positions) is cut at spaces, or at characters when one word is longer.
// Pure functions.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace stream_tts::kokoro {

inline constexpr size_t kMaxModelTokens = 510;  // positions, without the two padding ids

// `count(s)`: the number of model tokens of s (KokoroVocab::encode(s).size()).
std::vector<std::string> split_clauses(std::string_view phonemes,
                                       const std::function<size_t(std::string_view)>& count,
                                       size_t min_tokens = 20, size_t max_tokens = kMaxModelTokens);

// Seconds of silence after `clause` when another clause of the same utterance follows.
float pause_after(std::string_view clause);

}  // namespace stream_tts::kokoro
