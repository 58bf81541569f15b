// What the model wrote -> the translation that is spoken, and the checks that decide whether to
// trust it. Pure functions.
#pragma once

#include <string>
#include <string_view>

#include "stream_tts/status.h"

namespace stream_tts::llama {

// Trims, keeps the first line with content, drops a leading label ("Japanese:", "翻訳："), quotes
// that wrap the whole answer (unless the source was quoted too), a trailing romanisation in
// parentheses, and folds full-width ASCII letters, digits and '_' to ASCII (so that identifiers
// compare equal).
std::string clean_model_output(std::string_view raw, std::string_view source);

// True once `partial` output has a complete first line with content: generation can stop there,
// since everything after it (notes, alternatives) is dropped anyway.
bool has_complete_line(std::string_view partial);

// How many sentences the translation of `source` should have, when that is clear: the number of
// sentence ends in the English (a run of . ! ? followed by a space or the end). 0 — do not guess —
// when the source has what a translation may turn into a sentence boundary of its own (a colon, a
// semicolon, a dash, quotes, brackets). Generation may stop after that many Japanese sentence ends
// instead of evaluating one more step for the end-of-turn token; counting too many only loses the
// saving, too few would cut the translation, hence the guard.
int expected_sentence_ends(std::string_view source);
// Japanese sentence ends (。！？) in `text`.
int count_sentence_ends(std::string_view text);

struct GenerationOutcome {
  bool hit_bound = false;  // stopped by the length bound, not by end of turn or end of line
  int prose_words = 0;     // English words in the source outside protected spans
};

// kOk, or kDataError saying why the output must not be spoken: empty, ran away, or no Japanese
// script although the source had prose to translate.
Status check_translation(std::string_view cleaned, const GenerationOutcome& outcome);

}  // namespace stream_tts::llama
